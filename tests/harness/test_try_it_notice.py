"""`make try` says first that AWS ended support for proxy sessions (the whole run is in
tests/e2e/test_try_it.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import try_it


class _Stop(Exception):
    pass


def test_the_end_of_support_notice_comes_before_anything_else(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_synth(outdir: Path, context: dict[str, str] | None = None) -> None:
        raise _Stop

    monkeypatch.setattr(try_it, "synth", no_synth)
    with pytest.raises(_Stop):
        try_it.main()
    first = capsys.readouterr().out.splitlines()[0]
    assert first == try_it.END_OF_SUPPORT_NOTICE
    assert "ended support for Amazon Chime SDK proxy sessions on 2026-04-07" in first
    assert "emulator still serves them" in first
    assert 'README "After the end of support"' in first
