"""`python -m harness.emulator`: see `harness.emulator.cli.main`."""

from __future__ import annotations

from harness.emulator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
