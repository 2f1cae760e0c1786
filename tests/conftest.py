from __future__ import annotations

import optuna
import pytest

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture
def nb201_objective():  # type: ignore[no-untyped-def]
    from latentnas.objectives import BenchmarkObjective

    return BenchmarkObjective("nasbench201", "cifar10")
