"""A small name -> object registry that refuses duplicates and fails with the list of choices."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from latentnas.errors import InvalidArgumentError, UnknownNameError

T = TypeVar("T")


@dataclass(frozen=True)
class _Lazy:
    """Where a lazily registered object is imported from: ``module:attribute``."""

    module: str
    attribute: str


class Registry(Generic[T]):
    """Maps names to objects (classes or factories) of one kind, in registration order.

    An entry is either the object itself (:meth:`register`) or where to import it from (:meth:`register_lazy`,
    ``"package.module:attribute"``), imported on the first :meth:`get`: listing the names imports nothing, so a
    command that only names the choices does not pay for importing every implementation.

    Args:
        kind: What the registry holds, used in error messages (``"space"``, ``"sampler"``).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T | _Lazy] = {}

    def register(self, name: str, item: T) -> T:
        self._check_new(name)
        self._items[name] = item
        return item

    def register_lazy(self, name: str, target: str) -> None:
        """Registers ``name`` as the attribute ``target`` (``"package.module:attribute"``), imported on first use."""
        module, colon, attribute = target.partition(":")
        if not (module and colon and attribute):
            raise InvalidArgumentError(f"a lazy {self.kind} is 'module:attribute', got '{target}'")
        self._check_new(name)
        self._items[name] = _Lazy(module, attribute)

    def get(self, name: str) -> T:
        try:
            item = self._items[name]
        except KeyError:
            raise UnknownNameError(f"unknown {self.kind} '{name}'; choices: {', '.join(self._items)}") from None
        if isinstance(item, _Lazy):
            item = self._items[name] = getattr(importlib.import_module(item.module), item.attribute)
        return cast(T, item)

    def names(self) -> list[str]:
        return list(self._items)

    def _check_new(self, name: str) -> None:
        if name in self._items:
            raise InvalidArgumentError(f"{self.kind} '{name}' is already registered")

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
