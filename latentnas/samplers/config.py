"""What sampler configs share: JSON round trips, keyword overrides that refuse unknown options, field checks.

A sampler config is a frozen dataclass validated in ``__post_init__`` (see
:class:`~latentnas.samplers.latent_bo.LatentBOConfig`); its ``to_dict`` is what a study stores about its sampler.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from latentnas.errors import InvalidArgumentError

C = TypeVar("C", bound="SamplerConfig")


class SamplerConfig:
    """Mixin of frozen dataclass configs: ``to_dict``, ``from_dict`` and ``replace``.

    Subclasses set :attr:`sampler` (the registry name, used in error messages).
    """

    #: The registry name of the sampler this config is for.
    sampler: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serializable dict (``from_dict`` inverts it)."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: type[C], data: Mapping[str, Any]) -> C:
        """A config from ``data`` (missing fields take their defaults); an unknown key is refused with the choices."""
        cls.check_names(data)
        return cls(**data)

    def replace(self: C, **overrides: Any) -> C:
        """A copy with ``overrides`` applied (validated again); an unknown key is refused with the choices."""
        self.check_names(overrides)
        return dataclasses.replace(self, **overrides)  # type: ignore[type-var]

    @classmethod
    def check_names(cls, names: Mapping[str, Any] | Sequence[str]) -> None:
        choices = cls.field_names()
        unknown = [name for name in names if name not in choices]
        if unknown:
            raise InvalidArgumentError(
                f"unknown {cls.sampler} option '{unknown[0]}'; choices: {', '.join(choices)}"
            )


def check_int(name: str, value: Any, *, minimum: int, allow_none: bool = False) -> None:
    """Raises :class:`InvalidArgumentError` unless ``value`` is an int ``>= minimum`` (or ``None`` if allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}")
        raise InvalidArgumentError(f"{name} must be {kind}{' or None' if allow_none else ''}, got {value!r}")


def check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, got {value!r}")


def check_choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise InvalidArgumentError(f"unknown {name} {value!r}; choices: {', '.join(choices)}")
