"""``Record``: small immutable value classes that cost next to nothing to define.

``dataclasses`` and ``typing.NamedTuple`` generate and compile code for every class they define
(about a million instructions each here), and the handler defines a dozen records at import: half
of what importing its own modules cost on a cold start. A ``Record`` subclass declares its fields
as annotations (with defaults as class attributes) and gets a keyword-or-positional ``__init__``,
equality, a repr and ``_replace`` from this one base, without generating code; type checkers read
it as a frozen dataclass (``dataclass_transform``). Standard library only: the construct library
loads ``resource_types``, which uses it.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, dataclass_transform


@dataclass_transform(frozen_default=True)
class Record:
    """An immutable record; its fields are the subclass's annotations, in order."""

    _fields: ClassVar[tuple[str, ...]] = ()
    # Each field's default as written in the class body (a function stays a plain value: it is
    # copied onto the instance, never bound as a method).
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = tuple(name for name in inspect.get_annotations(cls) if name[0] != "_")
        cls._fields = (*cls._fields, *own)
        body = vars(cls)
        cls._defaults = {
            **cls._defaults,
            **{name: body[name] for name in own if name in body},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} fields")
        values = dict(zip(fields, args, strict=False))
        for name, value in kwargs.items():
            if name not in fields or name in values:
                raise TypeError(f"{type(self).__name__} got an unexpected or repeated {name!r}")
            values[name] = value
        defaults = self._defaults
        for name in fields:
            if name in values:
                object.__setattr__(self, name, values[name])
            elif name in defaults:
                object.__setattr__(self, name, defaults[name])
            else:
                raise TypeError(f"{type(self).__name__} needs {name!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use _replace")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._fields)

    def __hash__(self) -> int:
        return hash((type(self), *(getattr(self, name) for name in self._fields)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"

    def _replace(self, **changes: Any) -> Any:
        """A copy with ``changes``."""
        return type(self)(**{**{name: getattr(self, name) for name in self._fields}, **changes})
