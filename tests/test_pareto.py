"""Metrics, constraints, Pareto fronts and hypervolume (latentnas.pareto)."""

from __future__ import annotations

import pytest
import torch

from latentnas.errors import InvalidArgumentError, UnknownNameError
from latentnas.pareto import (
    Constraint,
    Front,
    directions,
    hypervolume,
    hypervolume_improvement,
    oriented,
    pareto_mask,
    parse_constraints,
    parse_objectives,
)


def test_objectives_parse_and_refuse_naming_the_choices() -> None:
    assert parse_objectives("valid, latency") == ("valid", "latency")
    assert directions(("valid", "params")) == ["maximize", "minimize"]
    with pytest.raises(UnknownNameError, match="^unknown metric 'flops'; choices: valid, latency, params$"):
        parse_objectives("valid,flops")
    with pytest.raises(InvalidArgumentError, match="must not repeat a metric"):
        parse_objectives("valid,valid")
    with pytest.raises(InvalidArgumentError, match="metric names separated by commas"):
        parse_objectives("valid,")


def test_a_constraint_reads_its_bound_and_gives_optunas_value() -> None:
    c = Constraint.parse(" params <= 1.5 ")
    assert c == Constraint("params", "<=", 1.5) and str(c) == "params<=1.5"
    assert c.violation({"params": 2.0}) == 0.5 and c.violation({"params": 1.0}) == -0.5
    assert Constraint.parse("valid>=90").violation({"valid": 91.0}) == -1.0
    with pytest.raises(InvalidArgumentError, match=r"^a constraint must read METRIC<=NUMBER or METRIC>=NUMBER"):
        Constraint.parse("params<1")
    with pytest.raises(UnknownNameError, match="unknown metric 'flops'"):
        Constraint.parse("flops<=3")
    with pytest.raises(InvalidArgumentError, match="one constraint per metric"):
        parse_constraints(["params<=1", "params>=0.1"])
    with pytest.raises(InvalidArgumentError, match=r"records no finite 'latency' \(metrics it records: valid, params\)"):
        Constraint.parse("latency<=0.1").violation({"valid": 90.0, "params": 1.0})


def _brute_force(Y: torch.Tensor) -> torch.Tensor:
    ge = (Y.unsqueeze(0) >= Y.unsqueeze(1)).all(-1)
    gt = (Y.unsqueeze(0) > Y.unsqueeze(1)).any(-1)
    return ~(ge & gt).any(-1)


@pytest.mark.parametrize("m", [2, 3])
def test_the_pareto_mask_is_the_brute_force_one_ties_and_equal_rows_included(m: int) -> None:
    Y = torch.randint(0, 6, (200, m), generator=torch.Generator().manual_seed(m)).to(torch.float64)
    assert torch.equal(pareto_mask(Y), _brute_force(Y))


def test_hypervolume_by_hand_in_two_and_three_dimensions() -> None:
    Y = torch.tensor([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0], [0.5, 0.5], [-1.0, 5.0]], dtype=torch.float64)
    # Against (0, 0): the staircase 3x1 + 2x1 + 1x1; the point below the reference in one column adds nothing.
    assert hypervolume(Y, torch.zeros(2)) == 6.0
    cube = torch.tensor([[1.0, 1.0, 1.0], [2.0, 0.5, 0.5]], dtype=torch.float64)
    assert hypervolume(cube, torch.zeros(3)) == pytest.approx(1.0 + 1 * 0.5 * 0.5)


def test_hypervolume_improvement_by_hand() -> None:
    front = torch.tensor([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0], [0.5, 0.5]], dtype=torch.float64)
    Y = torch.tensor([[2.0, 2.0], [2.5, 2.5], [4.0, 0.5], [0.5, 4.0], [-1.0, 9.0], [1.0, 1.0]], dtype=torch.float64)
    # (2, 2) is on the front: 0. (2.5, 2.5) adds [1, 2] x [2, 2.5] + [2, 2.5] x [1, 2.5] = 0.5 + 0.75; (4, 0.5) adds
    # [3, 4] x [0, 0.5]; (0.5, 4) adds [0, 0.5] x [3, 4]; one beyond the reference in one column only, or dominated: 0.
    assert hypervolume_improvement(Y, front, torch.zeros(2)).tolist() == [0.0, 1.25, 0.5, 0.5, 0.0, 0.0]
    # An empty front: the point's own box.
    assert hypervolume_improvement(Y[:1], front[:0], torch.zeros(2)).tolist() == [4.0]


def test_hypervolume_improvement_is_the_difference_of_hypervolumes() -> None:
    g = torch.Generator().manual_seed(0)
    for _ in range(50):
        front = torch.rand(6, 2, generator=g, dtype=torch.float64)
        Y = torch.rand(3, 4, 2, generator=g, dtype=torch.float64)
        ref = 0.5 * torch.rand(2, generator=g, dtype=torch.float64)
        expected = [[hypervolume(torch.cat([front, y.unsqueeze(0)]), ref) - hypervolume(front, ref) for y in rows]
                    for rows in Y]
        assert torch.allclose(hypervolume_improvement(Y, front, ref), torch.tensor(expected, dtype=torch.float64),
                              atol=1e-12)
    with pytest.raises(InvalidArgumentError, match="2 metrics, got 3"):
        hypervolume_improvement(torch.zeros(1, 3), torch.zeros(1, 3), torch.zeros(3))


def test_a_tables_front_its_median_reference_and_a_found_fronts_ratio() -> None:
    # valid (maximized) against params (minimized).
    values = torch.tensor([[90.0, 2.0], [80.0, 1.0], [85.0, 3.0], [70.0, 0.5], [60.0, 4.0]], dtype=torch.float64)
    front = Front.of(("valid", "params"), ["a", "b", "c", "d", "e"], values)
    assert front.keys == ("d", "b", "a") and front.reference == (80.0, 2.0)
    # Nothing beats (80, 2) in both: a = (90, 2) only ties in params, b and d do not beat 80.
    assert front.hypervolume == 0.0
    wide = Front.of(("valid", "params"), list("abcdefg"), torch.cat([values, torch.tensor([[95.0, 1.5], [50.0, 9.0]])]))
    assert wide.reference == (80.0, 2.0)
    # The table's front beyond (80, 2): (95, 1.5) alone, a 15 x 0.5 box.
    assert wide.hypervolume == pytest.approx(7.5)
    assert wide.ratio([[90.0, 1.0]]) == pytest.approx(10.0 / 7.5)
    assert wide.ratio([[95.0, 1.5], [60.0, 0.1]]) == pytest.approx(1.0)
    assert torch.equal(oriented([[1.0, 2.0]], ["maximize", "minimize"]), torch.tensor([[1.0, -2.0]], dtype=torch.float64))
