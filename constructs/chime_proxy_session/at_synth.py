"""What a construct decides only once the whole app is declared, run once at synth.

A construct declared later can change the answer (another ``PhoneNumbers`` for a proxy's
country, another statement on ``Resource: *``), so these run from an aspect: CDK invokes aspects
at the start of synth, after every construct exists and before the templates, the annotations and
the policy-validation plugins (cdk-nag) are written or run.
"""

from __future__ import annotations

from collections.abc import Callable

import jsii
from aws_cdk import Aspects, IAspect
from constructs import Construct, IConstruct


@jsii.implements(IAspect)
class _OnVisit:
    def __init__(self, target: Construct, action: Callable[[], None]) -> None:
        self._path = target.node.path
        self._action = action
        self._done = False

    def visit(self, node: IConstruct) -> None:
        # An aspect visits the construct and each of its children; act once, on the construct.
        if not self._done and node.node.path == self._path:
            self._done = True
            self._action()


def at_synth(target: Construct, action: Callable[[], None]) -> None:
    """Run ``action`` once when the app synthesizes, with every construct declared."""
    Aspects.of(target).add(_OnVisit(target, action))
