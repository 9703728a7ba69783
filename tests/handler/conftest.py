"""Handler tests use the shared fixtures of tests/conftest.py (sink, trust_sink, index_module,
stub, sleeps, invoke); ``Invoke`` stays importable from here for the modules that type it."""

from __future__ import annotations

from tests.helpers import Invoke

__all__ = ["Invoke"]
