"""``component``: a lazily built part of a long-lived object, built once across threads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class component(Generic[T]):  # noqa: N801  (used like functools.cached_property)
    """A cached property built once even when several threads ask for it at the same time.

    ``functools.cached_property`` has no lock (since Python 3.12): two Slack events arriving
    during start-up could each build an embedding model, a Milvus client or a Docling converter.
    The owner provides ``_build_lock`` (a ``threading.RLock``: one component may build another).
    """

    def __init__(self, build: Callable[[Any], T]) -> None:
        self.build = build
        self.name = build.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        cached = instance.__dict__.get(self.name, _MISSING)
        if cached is not _MISSING:
            return cached
        with instance._build_lock:
            if self.name not in instance.__dict__:
                instance.__dict__[self.name] = self.build(instance)
            return instance.__dict__[self.name]


_MISSING = object()
