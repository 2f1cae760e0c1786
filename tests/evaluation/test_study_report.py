"""The report of one study: its series (best so far, regret, hypervolume, found front), figures and HTML page."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import optuna
import pytest
import torch
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError
from latentnas.evaluation.latent_map import LatentMap, cache_path, latent_map
from latentnas.evaluation.study_page import redact, write_report
from latentnas.evaluation.study_report import analyze
from latentnas.pareto import Front, metric_value, oriented, pareto_mask
from latentnas.results import unique_trials
from latentnas.spaces import get_space


@pytest.fixture(autouse=True, scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data home of the module's own: the latent map's cache is written there, never in the user's."""
    root = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("LATENTNAS_HOME", str(root))
    yield root
    mp.undo()


def distributions(space: Any) -> dict[str, Any]:
    return {k: CategoricalDistribution(v.choices) for k, v in space.distributions().items()}


def hand_study(benchmark: str, dataset: str, picks: Sequence[int], *, metrics: Sequence[str] = ("valid",),
               constraint: tuple[str, float] | None = None, identity: bool = True) -> optuna.Study:
    """An in-memory study holding, in order, the table rows ``picks`` (indexes into the table's keys) as completed
    trials, as the search loop writes them (params, ``arch``, ``arch_key``, the row's figures)."""
    bench = get_benchmark(benchmark)
    space = bench.space(dataset)
    records = bench.records(dataset)
    by_key = {space.canonical_key(a): a for a in space.enumerate()}
    keys = list(records)
    directions = ["maximize" if m == "valid" else "minimize" for m in metrics]
    study = optuna.create_study(directions=directions)
    study.set_user_attr("space", space.name)
    study.set_user_attr("sampler", {"sampler": "hand", "seed": 7, "config": {}})
    if identity:
        study.set_user_attr("identity", {"benchmark": benchmark, "dataset": dataset, "objective": "benchmark"})
    if len(metrics) > 1:
        study.set_user_attr("objectives", list(metrics))
    if constraint is not None:
        study.set_user_attr("constraints", [f"{constraint[0]}<={constraint[1]}"])
    for i in picks:
        key = keys[i]
        arch = by_key[key]
        attrs = {**records[key].user_attrs(), "arch": space.to_string(arch), "arch_key": key}
        # Where Trial.set_constraint keeps a constraint's value, as the search loop stores it.
        name = f"{constraint[0]}<={constraint[1]}" if constraint else ""
        system = {f"constraints:{name}": metric_value(constraint[0], attrs) - constraint[1]} if constraint else {}
        study.add_trial(create_trial(params=space.to_params(arch), distributions=distributions(space),
                                     values=[metric_value(m, attrs) for m in metrics], user_attrs=attrs,
                                     system_attrs=system))
    return study


def nb201(picks: Sequence[int] = tuple(range(0, 1500, 100))) -> optuna.Study:
    return hand_study("nasbench201", "cifar10", picks)


# ------------------------------------------------------------------------------------------ single objective
def test_regret_and_best_so_far_are_those_of_the_unique_trials() -> None:
    study = nb201()
    first = study.trials[3]
    # A duplicate, a failed and a pruned trial: none is a new architecture.
    study.add_trial(create_trial(params=first.params, distributions=first.distributions, value=first.value,
                                 user_attrs={**first.user_attrs, "duplicate_of": 3}))
    study.add_trial(create_trial(params=first.params, distributions=first.distributions, state=TrialState.FAIL))
    study.add_trial(create_trial(params=first.params, distributions=first.distributions, state=TrialState.PRUNED))
    report = analyze(study)
    unique = unique_trials(study)
    assert [e.number for e in report.evaluated] == [t.number for t in unique] == list(range(15))
    values = [float(t.value) for t in unique]  # type: ignore[arg-type]
    best = [max(values[: i + 1]) for i in range(len(values))]
    stats = get_benchmark("nasbench201").stats("cifar10")
    assert report.best_so_far() == best
    assert report.regret() == [stats.best.valid - b for b in best]
    assert report.table is not None
    assert (report.table.optimum, report.table.top_threshold) == (stats.best.valid, stats.top_threshold(0.001))
    assert dict(report.counts) == {"trials": 18, "complete": 16, "unique": 15, "duplicates": 1, "failed": 1,
                                   "pruned": 1, "running": 0}
    assert [e.number for e in report.best()] == [max(unique, key=lambda t: t.value).number]  # type: ignore


def test_a_running_trial_is_pending_not_counted() -> None:
    study = nb201()
    space = get_space("nasbench201")
    before = analyze(study)
    running = study.ask(fixed_distributions=distributions(space))  # RUNNING, its architecture's params set
    report = analyze(study)
    assert report.counts["running"] == 1 and running.number == 15
    assert [space.to_string(a) for a in report.running] == [space.to_string(space.from_params(running.params))]
    assert report.best_so_far() == before.best_so_far() and len(report.evaluated) == 15
    study.ask()  # a trial that names no architecture yet is counted as running, not drawn
    assert analyze(study).counts["running"] == 2 and len(analyze(study).running) == 1


def test_a_study_without_completed_trials_is_refused_in_one_line() -> None:
    study = hand_study("nasbench201", "cifar10", [])
    study.ask()
    with pytest.raises(InvalidArgumentError, match=r"has no completed trial yet \(1 trials\)"):
        analyze(study)
    with pytest.raises(InvalidArgumentError, match="records no space"):
        analyze(optuna.create_study())


def test_a_study_of_a_cheaper_column_is_judged_on_that_column() -> None:
    study = nb201([3, 30, 300])
    study.set_user_attr("identity", {**study.user_attrs["identity"], "fidelity": "12ep"})
    report = analyze(study)
    cheap = get_benchmark("nasbench201").records("cifar10", "12ep")
    assert report.table is not None and report.table.column == "12ep"
    assert report.table.optimum == max(e.valid for e in cheap.values())


def test_without_a_benchmark_there_is_no_regret_but_the_best_so_far() -> None:
    study = hand_study("nasbench201", "cifar10", [5, 50, 500], identity=False)
    report = analyze(study)
    assert report.table is None and report.regret() is None
    values = [float(t.value) for t in study.trials]  # type: ignore[arg-type]
    assert report.best_so_far() == [values[0], max(values[:2]), max(values)]


# ------------------------------------------------------------------------------------------ several objectives
def mo_study() -> tuple[optuna.Study, float]:
    """NAS-Bench-Graph cora, valid and latency, with a latency bound just under the most accurate row's latency:
    that row, non-dominated in any set, is infeasible."""
    records = get_benchmark("nasbench-graph").records("cora")
    keys = list(records)
    top = max(range(len(keys)), key=lambda i: records[keys[i]].valid)
    bound = records[keys[top]].extras["latency"] * 0.999
    picks = [top, *random.Random(0).sample(range(len(keys)), 30)]
    return hand_study("nasbench-graph", "cora", picks, metrics=("valid", "latency"),
                      constraint=("latency", bound)), bound


def test_the_found_front_is_the_front_of_the_feasible_points() -> None:
    study, bound = mo_study()
    report = analyze(study)
    Y = torch.tensor([t.values for t in study.trials], dtype=torch.float64)
    ok = Y[:, 1] <= bound
    assert not ok[0] and ok.sum() > 5  # the most accurate one is out, most others in
    expected = torch.zeros(len(Y), dtype=torch.bool)
    expected[ok] = pareto_mask(oriented(Y[ok], ["maximize", "minimize"]))
    assert report.front_mask() == expected.tolist()
    assert not report.front_mask()[0]  # unconstrained it would be on the front
    assert {e.number for e in report.best()} == {i for i, m in enumerate(expected.tolist()) if m}
    # Hypervolume so far ends at the found front's share of the table front's, against the table median.
    records = get_benchmark("nasbench-graph").records("cora")
    front = Front.of(("valid", "latency"), list(records),
                     torch.tensor([[e.valid, e.extras["latency"]] for e in records.values()], dtype=torch.float64))
    assert report.table is not None and report.table.front is not None
    assert report.table.front.reference == front.reference
    hv = report.hypervolume_so_far()
    assert hv[-1] == pytest.approx(front.ratio(Y[ok]), rel=1e-12)
    assert hv[0] == 0.0 and all(a <= b for a, b in zip(hv, hv[1:]))


def test_a_multi_objective_report_has_a_front_panel(tmp_path: Path) -> None:
    study, _ = mo_study()
    written = write_report(study, tmp_path, latent=False)
    assert set(written["files"]) == {"progress", "front", "html"}
    assert (tmp_path / "front.png").stat().st_size > 10_000
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "Found front" in html


def test_a_constrained_study_of_one_objective_marks_what_is_infeasible_and_never_counts_it() -> None:
    bound = 0.3
    study = hand_study("nasbench201", "cifar10", range(0, 1500, 100), constraint=("params", bound))
    report = analyze(study)
    ok = [t.user_attrs["params"] <= bound for t in study.trials]
    assert [e.feasible for e in report.evaluated] == ok and 0 < sum(ok) < len(ok)
    values = [float(t.value) if f else -math.inf for t, f in zip(study.trials, ok)]  # type: ignore[arg-type]
    assert report.best_so_far()[-1] == max(values)
    from latentnas.evaluation.study_figures import _best_label

    assert _best_label(report) == "best feasible so far"


# ------------------------------------------------------------------------------------------ figures and page
def test_the_report_is_one_self_contained_page(tmp_path: Path) -> None:
    study = nb201()
    written = write_report(study, tmp_path, storage="postgresql://me:secret@host/db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latent_map.png", "progress.png", "report.html"]
    html = (tmp_path / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 2
    assert re.findall(r'(?:src|href)="(?!data:)', html) == [] and "http" not in html
    assert "<b>15 unique architectures</b>" in html and "secret" not in html and "me:***@host" in html
    best = written["report"].best()[0]
    assert best.arch in html
    assert "(the sampler used none; the space&#x27;s default)" in html  # a hand-made study names no encoder


def test_a_study_of_another_encoder_says_so(tmp_path: Path) -> None:
    study = nb201([1, 2, 3])
    study.set_user_attr("identity", {**study.user_attrs["identity"], "encoder_sha256": "0" * 64})
    written = write_report(study, tmp_path)
    assert any("the study's encoder (sha256 000000000000) is not this one" in n for n in written["notes"])
    assert "(not the study&#x27;s)" in (tmp_path / "report.html").read_text()


def test_a_space_without_an_encoder_gets_no_map_and_a_note(tmp_path: Path) -> None:
    space = get_space("darts")
    study = optuna.create_study(direction="maximize")
    study.set_user_attr("space", "darts")
    for i, value in enumerate([0.3, 0.7, 0.5]):
        arch = space.sample(i)
        study.add_trial(create_trial(params=space.to_params(arch), distributions=distributions(space), value=value,
                                     user_attrs={"arch": space.to_string(arch), "arch_key": space.canonical_key(arch)}))
    written = write_report(study, tmp_path)
    assert set(written["files"]) == {"progress", "html"}
    assert any(n.startswith("no latent map: ") for n in written["notes"])
    assert written["report"].best_so_far() == [0.3, 0.7, 0.7]


def test_the_map_is_cached_and_the_same_every_time(home: Path) -> None:
    space = get_space("nasbench201")
    first = latent_map(space)
    assert cache_path(space, first.sha256, 0).is_file()
    again = latent_map(space)
    assert again.keys == first.keys and torch.equal(again.z, first.z)
    assert torch.equal(again.xy, first.xy)  # an exact projection: the same picture every time
    assert len(first.keys) == 6466 and first.xy.shape == (6466, 2)
    # The very encodings the latent samplers search by, in the same order.
    from latentnas.surrogate import LatentCache

    cache = LatentCache()
    pool = cache.pool(cache.latent_space(space))
    assert pool.keys == first.keys and torch.equal(pool.z.to(torch.float32), first.z)
    # An architecture outside the map is encoded and projected like the others.
    outside = LatentMap(space, first.keys[1:], first.z[1:], first.encoder, first.sha256, first.vae)
    arch = space.from_string(space.to_string(space.sample(0)))
    point = outside.locate([arch])
    assert torch.allclose(point, outside.project(first.z[[first.index[space.canonical_key(arch)]]]), atol=1e-5)


def test_redact_hides_only_the_password() -> None:
    assert redact("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redact("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
