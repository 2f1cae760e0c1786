"""Predictor scoring: a surrogate fitted on evaluated architectures scores new ones, as an objective or a pre-filter.

The surrogate is the one latent BO searches by (:class:`~latentnas.surrogate.LatentSurrogate`): a GP, by default on
the pretrained decoder's output at each architecture's encoding. Fitted on 100 random architectures it ranks 3,000 others
with Spearman 0.72-0.84 on NB201 CIFAR-10 and 0.41-0.50 on NAS-Bench-Graph Cora (``scripts/surrogate_quality.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import optuna
import torch
from torch import Tensor

from latentnas.errors import InvalidArgumentError, LatentNASError, UnknownNameError
from latentnas.history import History
from latentnas.objectives.registry import BuiltObjective, ObjectiveContext, check_metrics
from latentnas.records import SPACE_ATTR, Evaluation
from latentnas.spaces import SearchSpace, get_space
from latentnas.surrogate import LatentSurrogate, load_latent_space
from latentnas.vae import LatentSpace


class PredictorObjective:
    """Scores architectures by a GP's posterior mean (``valid`` holds the prediction, not a measured accuracy).

    Args:
        space: The space of the architectures.
        archs: Evaluated architectures, at least two distinct ones.
        values: Their objective values (e.g. validation accuracies), finite.
        latent: The latent space; built from ``checkpoint`` (default: the space's shipped one) when ``None``.
        checkpoint: Checkpoint path.
        kernel: GP features, as for latent BO: ``"decoded"`` or ``"latent"`` (see :class:`LatentSurrogate`).
        seed: Seeds the GP fit; the same data and seed give the same predictions.
    """

    def __init__(self, space: SearchSpace[Any], archs: Sequence[Any], values: Sequence[float], *,
                 latent: LatentSpace | None = None, checkpoint: str | Path | None = None, kernel: str = "decoded",
                 seed: int = 0) -> None:
        if len(archs) != len(values):
            raise LatentNASError(f"archs and values differ in length: {len(archs)} and {len(values)}")
        if not all(math.isfinite(v) for v in values):
            raise LatentNASError("values must be finite; drop failed evaluations first")
        firsts: dict[str, tuple[Any, float]] = {}  # one (architecture, value) per canonical class, the first given
        for arch, value in zip(archs, values):
            firsts.setdefault(space.canonical_key(arch), (arch, float(value)))
        if len(firsts) < 2:
            raise LatentNASError(f"a predictor needs at least 2 distinct evaluated architectures, got {len(firsts)}")
        self.space = space
        self.surrogate = LatentSurrogate(latent if latent is not None else load_latent_space(space, checkpoint),
                                         kernel=kernel)
        train_X = self.surrogate.arch_features([a for a, _ in firsts.values()], keys=list(firsts))
        train_Y = torch.tensor([[v] for _, v in firsts.values()], dtype=torch.float64)
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.model = self.surrogate.fit(train_X, train_Y)
        self.num_train = len(firsts)

    @classmethod
    def from_study(cls, study: optuna.Study, space: SearchSpace[Any], **kwargs: Any) -> PredictorObjective:
        """A predictor fitted on a study's unique completed trials (e.g. a search run with real training).

        It predicts the study's values as they are, in a minimize study as in a maximize one.
        """
        history = History.from_study(study, space)
        values = [o.value * history.sign for o in history.observations]  # History orients values; undo it
        return cls(space, [o.arch for o in history.observations], values, **kwargs)

    def predict(self, archs: Sequence[Any]) -> tuple[Tensor, Tensor]:
        """Posterior mean and standard deviation of each architecture's value (two ``n`` tensors)."""
        if not archs:
            return torch.empty(0, dtype=torch.float64), torch.empty(0, dtype=torch.float64)
        return self.surrogate.predict(self.model, self.surrogate.arch_features(list(archs)))

    def top(self, archs: Iterable[Any], k: int) -> list[Any]:
        """The ``k`` architectures of ``archs`` with the highest predicted value (a pre-filter), best first."""
        archs = list(archs)
        mean, _ = self.predict(archs)
        order = sorted(range(len(archs)), key=lambda i: (-float(mean[i]), i))
        return [archs[i] for i in order[:k]]

    def __call__(self, arch: Any) -> Evaluation:
        start = time.perf_counter()
        mean, std = self.predict([arch])
        return Evaluation(valid=float(mean[0]), cost_seconds=time.perf_counter() - start,
                          extras={"predicted_std": float(std[0])})

    def __repr__(self) -> str:
        return f"PredictorObjective(space={self.space.name!r}, trained on {self.num_train} architectures)"


def build(context: ObjectiveContext, *, from_study: str | None = None) -> BuiltObjective:
    """The objective ``predictor`` of :data:`~latentnas.objectives.registry.OBJECTIVES`: architectures scored by a
    :class:`PredictorObjective` fitted on the stored study ``from_study`` (e.g. a search with real training), seeded
    by the search's seed.

    Args:
        context: The search's storage (it holds ``from_study``), space (default: the study's) and seed.
        from_study: The name of a study of that storage, with at least two distinct evaluated architectures
            (required).
    """
    if from_study is None:
        raise InvalidArgumentError("--objective predictor needs --from-study NAME, a study of --storage to fit on")
    if context.storage is None:
        raise InvalidArgumentError(f"--objective predictor reads study '{from_study}' from a storage; give --storage")
    storage = context.storage()
    names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
    if from_study not in names:
        raise UnknownNameError(f"unknown study '{from_study}' to fit a predictor on; choices: {', '.join(names) or 'none'}")
    study = optuna.load_study(study_name=from_study, storage=storage)
    recorded = study.user_attrs.get(SPACE_ATTR)
    if recorded is None and context.space is None:
        raise InvalidArgumentError(f"study '{from_study}' records no space; give --space")
    if recorded is not None and context.space is not None and context.space != recorded:
        raise InvalidArgumentError(f"--space '{context.space}' does not match study '{from_study}', whose space is "
                                   f"'{recorded}'")
    space = get_space(str(recorded or context.space))
    check_metrics(context.metrics, ["valid"], owner="objective 'predictor'")
    objective = PredictorObjective.from_study(study, space, seed=context.seed)
    return BuiltObjective(objective=objective, label=f"predictor-{from_study}",
                          identity={"from_study": from_study, "fitted_on": objective.num_train})
