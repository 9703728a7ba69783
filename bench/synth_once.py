"""The timed child of the synth measure: ``python -m bench.synth_once KIND N OUTDIR``.

It builds the app with N resources of one construct and synthesizes it, nothing else; the
driver times the whole process (interpreter, aws-cdk-lib import, jsii start-up, build, synth).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bench.common import numbered_sessions, synthesize


def main(argv: Sequence[str]) -> int:
    """Synthesize ``KIND`` with ``N`` sessions into ``OUTDIR``."""
    if len(argv) != 3:
        print("usage: python -m bench.synth_once KIND N OUTDIR", file=sys.stderr)
        return 2
    kind, n, outdir = argv
    synthesize(kind, numbered_sessions(int(n)), Path(outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
