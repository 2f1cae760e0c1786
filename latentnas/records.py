"""What a study records: the user-attr names its trials carry (shared by the search loop and the samplers), and
values in the form a study stores them.

Kept apart from :mod:`latentnas.study` so that samplers (upstream of objectives in the pipeline) can read a study's
trials without importing the search loop.
"""

from __future__ import annotations

import json
from typing import Any

from optuna.trial import FrozenTrial

from latentnas.errors import InvalidArgumentError

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
