from __future__ import annotations

import math

import pytest

from latentnas.errors import UnknownNameError
from latentnas.networks.nasbench201 import NB201Config
from latentnas.networks.nasbench_graph import GNNConfig
from latentnas.objectives.zero_cost import PROXIES, ZeroCostObjective
from latentnas.spaces import get_space
from latentnas.testing.objectives import ObjectiveContract


def test_every_proxy_is_finite_and_seeded_on_images(digits) -> None:  # type: ignore[no-untyped-def]
    splits, task = digits
    space = get_space("nasbench201")
    objective = ZeroCostObjective(space, splits, task, batch_size=16, network_config=NB201Config(4, 1))
    arch = space.sample(0)
    scores = {p: objective.score(arch, p) for p in PROXIES}
    assert all(math.isfinite(v) for v in scores.values())
    assert scores["synflow"] > 0 and scores["snip"] > 0 and scores["grad_norm"] > 0
    assert scores == {p: objective.score(arch, p) for p in PROXIES}


def test_graph_proxies_and_prefilter(cora_small) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    space = get_space("nasbench-graph")
    objective = ZeroCostObjective(space, data, task, proxy="snip", network_config=GNNConfig(hidden=16))
    archs = [space.sample(i) for i in range(4)]
    scores = [objective.score(a) for a in archs]
    best = objective.top(archs, 2)
    assert best == [archs[i] for i in sorted(range(4), key=lambda i: -scores[i])[:2]]
    evaluation = objective(archs[0])
    assert evaluation.valid == scores[0] == evaluation.extras["snip"]


def test_jacob_cov_on_a_graph_is_finite(cora_small) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    space = get_space("nasbench-graph")
    objective = ZeroCostObjective(space, data, task, proxy="jacob_cov", network_config=GNNConfig(hidden=16))
    assert math.isfinite(objective.score(space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]")))


def test_unknown_proxy(digits) -> None:  # type: ignore[no-untyped-def]
    splits, task = digits
    with pytest.raises(UnknownNameError, match="choices: synflow"):
        ZeroCostObjective(get_space("nasbench201"), splits, task, proxy="fisher")


class TestZeroCostObjectiveContract(ObjectiveContract):
    @pytest.fixture
    def objective(self, digits) -> ZeroCostObjective:  # type: ignore[no-untyped-def]
        splits, task = digits
        return ZeroCostObjective(get_space("nasbench201"), splits, task, batch_size=16,
                                 network_config=NB201Config(4, 1))
