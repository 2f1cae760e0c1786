"""The one exception family of latentnas.

Every error a user can cause by bad input is a :class:`LatentNASError`; the CLI prints its message on one line and
exits with status 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def first_line(err: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none (for one-line messages)."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def check_fields(known: Sequence[str], given: Iterable[str], *, what: str) -> None:
    """Refuses names in ``given`` that are not in ``known``: ``InvalidArgumentError("<what> has no field 'x'; its
    fields: ...")`` (a description read back from JSON, say)."""
    unknown = [name for name in given if name not in known]
    if unknown:
        raise InvalidArgumentError(f"{what} has no field {', '.join(map(repr, unknown))}; its fields: "
                                   f"{', '.join(known)}")


class LatentNASError(Exception):
    """Base class of every error latentnas raises on bad input or bad state."""


class InvalidArgumentError(LatentNASError, ValueError):
    """An argument or config value is out of range, of the wrong kind, or does not apply to what was chosen."""


class UnknownNameError(LatentNASError, ValueError):
    """A registry lookup (space, benchmark, dataset, sampler, op, ...) named something that does not exist."""


class InvalidArchitectureError(LatentNASError, ValueError):
    """An architecture (or its string form) is not a member of its search space."""


class CheckpointError(LatentNASError):
    """A checkpoint is missing, altered, truncated, unsafe, or belongs to another space or vocabulary."""


class StorageError(LatentNASError):
    """An Optuna storage URL cannot be opened or a study cannot be created or loaded."""


class EvaluationError(LatentNASError):
    """Evaluating one architecture failed (NaN loss, out of memory, ...); the trial is marked FAIL."""
