"""Drift check: what is live against what a deployed stack declares, for every custom resource of
this library.

CloudFormation's drift detection does not cover ``Custom::`` resources. ``check_stack`` reads a
deployed stack (DescribeStacks, DescribeStackResources, GetTemplate), resolves each
``Custom::Chime*`` resource's properties as CloudFormation sent them, parses them with the
handler's own rules, and compares them with the ChimeSDKVoice service in the resource's region and
account. ``revert_stack`` then puts back what the handler's in-place update can. The command line
(``python -m chime_proxy_session.drift STACK``, or ``chime-proxy-session-drift``) is ``cli.main``.
Phone numbers of participants and fall-back numbers are never shown.
"""

from .check import check_stack
from .cli import main
from .report import Difference, DriftReport, ResourceDrift, Reverted, Status, exit_status
from .revert import revert_stack
from .stack import DriftCheckError

__all__ = [
    "Difference",
    "DriftCheckError",
    "DriftReport",
    "ResourceDrift",
    "Reverted",
    "Status",
    "check_stack",
    "exit_status",
    "main",
    "revert_stack",
]
