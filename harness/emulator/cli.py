"""The command line: `python -m harness.emulator` serves the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from harness.emulator.model import END_OF_SUPPORT_DATE, ENDPOINT_ENV_VAR, SUPPORTED_OPERATIONS
from harness.emulator.service import ChimeVoiceEmulator


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the emulator until Ctrl-C or SIGTERM; prints the endpoint URL as the first line."""
    parser = argparse.ArgumentParser(
        prog="python -m harness.emulator",
        description=(
            "Serve a local Amazon Chime SDK Voice API (proxy sessions, voice connectors, phone "
            "numbers) for boto3 clients."
        ),
        epilog="Operations served: " + ", ".join(sorted(SUPPORTED_OPERATIONS)) + ".",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=0, help="port to bind (default: 0, a free port)"
    )
    parser.add_argument(
        "--voice-connector",
        dest="voice_connectors",
        metavar="ID",
        action="extend",
        nargs="+",
        default=[],
        help="voice connector id(s) that exist from the start (repeatable)",
    )
    parser.add_argument(
        "--end-of-support",
        action="store_true",
        help=(
            "refuse every proxy operation with 403 ForbiddenException, as AWS does since "
            f"{END_OF_SUPPORT_DATE}"
        ),
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    emulator = ChimeVoiceEmulator(args.host, args.port)
    emulator.end_of_support(args.end_of_support)
    for voice_connector_id in args.voice_connectors:
        try:
            emulator.add_voice_connector(voice_connector_id)
        except ValueError as error:
            parser.error(str(error))

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with emulator:
        print(emulator.endpoint_url, flush=True)
        mode = " (end of support: proxy operations are refused)" if args.end_of_support else ""
        print(
            f"chime-sdk-voice emulator serving{mode}; "
            f"export {ENDPOINT_ENV_VAR}={emulator.endpoint_url}. Ctrl-C or SIGTERM stops it.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    return 0
