"""The command line: ``python -m chime_proxy_session.drift STACK``, installed as the console
script ``chime-proxy-session-drift``.

It prints a table (or, with ``--json``, the report as JSON) and exits 0 when every resource is in
sync, 1 when any drifted (MODIFIED or DELETED, and still so after ``--revert``), and 2 when the
check could not run (no such stack, no credentials, access denied) or a resource could not be
checked. With ``--revert`` it then puts back what an update can, and says what it did (on
standard error with ``--json``, so that standard output stays the report).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import boto3
from botocore.exceptions import ProfileNotFound

from .check import open_check
from .report import EXIT_NOT_RUN, exit_status, render_reverted, render_text
from .revert import revert
from .stack import DriftCheckError

PROGRAM = "chime-proxy-session-drift"


def parser() -> argparse.ArgumentParser:
    """The command line's arguments."""
    arguments = argparse.ArgumentParser(
        prog=PROGRAM,
        description="Compare the cdk-chime-proxy-session resources of a deployed stack with "
        "the Amazon Chime SDK Voice service (exit 0: in sync, 1: drifted, 2: not checked).",
    )
    arguments.add_argument("stack", metavar="STACK", help="the stack's name or id")
    arguments.add_argument("--region", help="the stack's region (default: the profile's)")
    arguments.add_argument("--profile", help="the AWS profile whose credentials to use")
    arguments.add_argument("--json", action="store_true", help="print the report as JSON")
    arguments.add_argument(
        "--revert",
        action="store_true",
        help="put back the declared state of MODIFIED resources with the handler's in-place "
        "update (never creates or deletes anything)",
    )
    arguments.add_argument(
        "--resolve-secrets",
        action="store_true",
        help="read {{resolve:secretsmanager:...}} and {{resolve:ssm:...}} values with your "
        "permissions and compare them (never shown)",
    )
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; return the exit status."""
    args = parser().parse_args(argv)
    try:
        session = boto3.Session(profile_name=args.profile, region_name=args.region)
        check = open_check(
            args.stack, session=session, region=args.region, resolve_secrets=args.resolve_secrets
        )
        report = check.report()
        reverted = revert(check, report) if args.revert else ()
    except (DriftCheckError, ProfileNotFound) as error:
        print(f"{PROGRAM}: the check of stack {args.stack} could not run: {error}", file=sys.stderr)
        return EXIT_NOT_RUN
    print(report.to_json() if args.json else render_text(report))
    if args.revert:
        print(render_reverted(reverted), file=sys.stderr if args.json else sys.stdout)
    return exit_status(report, reverted)
