"""The process environment for a client that must reach the local stand-ins, not AWS."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping


@contextlib.contextmanager
def local_aws(variables: Mapping[str, str]) -> Iterator[None]:
    """The process environment with ``variables`` set (and AWS_PROFILE unset, so that no profile
    of the machine is used), restored on exit."""
    names = {*variables, "AWS_PROFILE"}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
