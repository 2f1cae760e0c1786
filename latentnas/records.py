"""What a study records: the result of evaluating one architecture (:class:`Evaluation`, whatever evaluated it), the
user-attr names its trials carry (shared by the search loop and the samplers), and values in the form a study stores
them.

Kept apart from :mod:`latentnas.study` so that samplers (upstream of objectives in the pipeline) can read a study's
trials without importing the search loop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optuna.trial import FrozenTrial

from latentnas.errors import InvalidArgumentError

#: On a study: the name of the space it searches.
SPACE_ATTR = "space"
#: The architecture's string form (``space.to_string``).
ARCH_ATTR = "arch"
#: Its canonical key: isomorphic architectures share one.
KEY_ATTR = "arch_key"
#: On a trial answered from an earlier one: that trial's number (the trial is not a new evaluation).
DUPLICATE_ATTR = "duplicate_of"
#: On a failed trial: why it failed.
FAIL_ATTR = "fail_reason"


def constraint_values(trial: FrozenTrial) -> list[float] | None:
    """The constraint values a trial stored (``Trial.set_constraint``, in the order of their names), ``None`` where
    it stored none."""
    stored = trial.constraints
    return [float(stored[k]) for k in sorted(stored)] if stored else None


def json_normalized(value: Any, *, what: str) -> Any:
    """``value`` as JSON reads it back (tuples become lists); refuses what JSON cannot hold, naming ``what``."""
    try:
        return json.loads(json.dumps(value, sort_keys=True, allow_nan=False))
    except (TypeError, ValueError) as err:
        raise InvalidArgumentError(f"{what} must be JSON-serializable to be stored on a study, got {value!r}") from err


@dataclass(frozen=True)
class Evaluation:
    """The result of evaluating one architecture.

    Args:
        valid: Validation accuracy in percent: the objective, maximized.
        test: Test accuracy in percent, reported, never optimized (``None`` where unknown).
        cost_seconds: What the evaluation cost or would have cost (training time recorded by a table), if known.
        extras: Other figures stored on the trial (``params``, ``latency``, ...).
    """

    valid: float
    test: float | None = None
    cost_seconds: float | None = None
    extras: Mapping[str, float] = field(default_factory=dict)

    def user_attrs(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {"valid": self.valid}
        if self.test is not None:
            attrs["test"] = self.test
        if self.cost_seconds is not None:
            attrs["cost_seconds"] = self.cost_seconds
        attrs.update(self.extras)
        return attrs
