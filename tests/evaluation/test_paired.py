"""Paired differences over seeds: the mean, its bootstrap interval, who is ahead, and the table of them."""

from __future__ import annotations

import pytest

from latentnas.errors import InvalidArgumentError
from latentnas.evaluation import PairedDifference, paired_difference, paired_table


def test_a_constant_difference_has_a_point_interval() -> None:
    d = paired_difference({0: 71.5, 1: 70.0, 2: 69.25}, {0: 71.0, 1: 69.5, 2: 68.75})
    assert d == PairedDifference(pairs=3, mean=0.5, low=0.5, high=0.5, ahead=3, behind=0)
    assert d.above_zero


def test_only_the_seeds_both_ran_are_paired() -> None:
    d = paired_difference({0: 2.0, 1: 1.0, 7: 100.0}, {0: 1.0, 1: 2.0, 3: -100.0})
    assert (d.pairs, d.mean, d.ahead, d.behind) == (2, 0.0, 1, 1)
    assert d.low == -1.0 and d.high == 1.0 and not d.above_zero


def test_the_interval_is_the_bootstraps_and_repeats_with_its_seed() -> None:
    values = {s: float(s % 3) for s in range(12)}
    baseline = {s: 0.5 for s in range(12)}
    d = paired_difference(values, baseline, resamples=2000, seed=4)
    assert d == paired_difference(values, baseline, resamples=2000, seed=4)
    assert d.mean == 0.5 and (d.ahead, d.behind) == (8, 4)
    # Means of 12 draws of {-0.5, 0.5, 1.5}: the interval holds the mean and lies inside the draws' range.
    assert -0.5 < d.low < 0.5 < d.high < 1.5
    narrow = paired_difference(values, baseline, resamples=2000, seed=4, level=0.5)
    assert d.low < narrow.low < narrow.high < d.high


@pytest.mark.parametrize(("values", "baseline", "options", "message"), [
    ({0: 1.0}, {1: 1.0}, {}, "no seed was run by both samplers"),
    ({0: 1.0}, {0: 1.0}, {"level": 1.0}, "level must be in (0, 1), got 1.0"),
    ({0: 1.0}, {0: 1.0}, {"resamples": 0}, "resamples must be at least 1, got 0"),
])
def test_bad_pairs_are_refused_in_one_line(values: dict[int, float], baseline: dict[int, float],
                                           options: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        paired_difference(values, baseline, **options)  # type: ignore[arg-type]


def test_the_table_has_a_row_per_sampler_but_the_baseline() -> None:
    values = {"random": {0: 80.0, 1: 81.0}, "tpe": {0: 80.5, 1: 81.5}, "portfolio": {0: 79.0, 1: 80.0}}
    assert paired_table(values, "random", what="test") == (
        "| sampler | test minus random's, same seed: mean [95 % interval] | ahead / behind | pairs |\n"
        "| --- | --- | --- | --- |\n"
        "| tpe | +0.50 [+0.50, +0.50] | 2 / 0 | 2 |\n"
        "| portfolio | -1.00 [-1.00, -1.00] | 0 / 2 | 2 |\n")
    with pytest.raises(InvalidArgumentError, match="no runs of the baseline 'gp'; choices: random, tpe, portfolio"):
        paired_table(values, "gp", what="test")
