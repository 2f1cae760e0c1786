from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest

from latentnas.benchmarks import get_benchmark
from latentnas.errors import InvalidArgumentError, UnknownNameError
from latentnas.evaluation import (
    ComparisonConfig,
    RunJob,
    TableRanks,
    run_comparison,
    run_one,
    split_entry,
    table_ranks,
    with_ranks,
)
from latentnas.samplers import names_with

TINY = ComparisonConfig("nasbench201", datasets=("cifar10",), samplers=("random", "evolution"), seeds=(0, 1), budget=5)


def without_timing(records):  # type: ignore[no-untyped-def]
    return [replace(r, seconds=0.0) for r in records]


@pytest.fixture(scope="module")
def tiny_runs():  # type: ignore[no-untyped-def]
    return run_comparison(TINY)


def test_every_sampler_runs_every_seed_at_the_budget(tiny_runs) -> None:  # type: ignore[no-untyped-def]
    assert [r.key for r in tiny_runs] == [("cifar10", s, seed) for s in ("random", "evolution") for seed in (0, 1)]
    for r in tiny_runs:
        assert (r.benchmark, r.budget, r.unique, r.fidelity) == ("nasbench201", 5, 5, None)
        assert [p.query for p in r.curve] == [1, 2, 3, 4, 5]


def test_figures_are_those_of_the_best_architecture_by_validation(tiny_runs) -> None:  # type: ignore[no-untyped-def]
    bench = get_benchmark("nasbench201")
    rows = list(bench.records("cifar10").values())
    space = bench.space("cifar10")
    for r in tiny_runs:
        assert r.best_arch is not None
        best = bench.query(space.from_string(r.best_arch), "cifar10")
        assert (r.best_valid, r.test_at_best_valid, r.optimum_test) == (best.valid, best.test, bench.stats("cifar10").best.test)
        assert r.valid_top_percent == 100 * (1 + sum(e.valid > best.valid for e in rows)) / len(rows)
        assert r.test_top_percent == 100 * (1 + sum(e.test > best.test for e in rows)) / len(rows)
        assert r.curve[-1].test_at_best_valid == r.test_at_best_valid
        assert r.curve[-1].valid_regret == bench.stats("cifar10").best.valid - best.valid
        # NB201 records training time: the run's simulated seconds add up along the curve.
        seconds = [p.simulated_seconds for p in r.curve]
        assert r.simulated_seconds == seconds[-1] and seconds == sorted(seconds) and seconds[0] > 0  # type: ignore[type-var]


def test_same_seed_same_runs(tiny_runs) -> None:  # type: ignore[no-untyped-def]
    assert without_timing(run_comparison(TINY)) == without_timing(tiny_runs)


def test_a_process_pool_gives_the_same_runs(tiny_runs) -> None:  # type: ignore[no-untyped-def]
    assert without_timing(run_comparison(TINY, workers=2)) == without_timing(tiny_runs)


def test_a_lower_fidelity_is_searched_and_the_main_column_judges() -> None:
    r = run_one(RunJob("nasbench201", "cifar10", "random", 0, budget=5, fidelity="12ep"))
    bench = get_benchmark("nasbench201")
    arch = bench.space("cifar10").from_string(r.best_arch)  # type: ignore[arg-type]
    assert r.best_valid == bench.query(arch, "cifar10", fidelity="12ep").valid
    assert r.test_at_best_valid == bench.query(arch, "cifar10").test
    assert r.valid_top_percent == table_ranks("nasbench201", "cifar10").valid_top_percent(bench.query(arch, "cifar10").valid)


def test_table_ranks_count_strictly_better_rows() -> None:
    ranks = TableRanks([1.0, 2.0, 2.0, 3.0], [5.0])
    assert [ranks.valid_top_percent(v) for v in (3.0, 2.0, 1.0)] == [25.0, 50.0, 100.0]
    assert (ranks.test_top_percent(5.0), ranks.test_top_percent(None)) == (100.0, None)


def test_with_ranks_fills_records_written_without_them(tiny_runs) -> None:  # type: ignore[no-untyped-def]
    legacy = [replace(r, valid_top_percent=None, test_top_percent=None) for r in tiny_runs]
    assert with_ranks(legacy) == tiny_runs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"benchmark": "nb201"}, "unknown benchmark 'nb201'; choices: nasbench-graph, nasbench201"),
        ({"datasets": ("mnist",)}, "unknown dataset 'mnist' for benchmark 'nasbench201'"),
        ({"datasets": "cifar10"}, "datasets must be a sequence, got 'cifar10'"),
        ({"samplers": ()}, "samplers must not be empty"),
        ({"samplers": ("random", "random")}, "samplers must not repeat an entry, got random, random"),
        ({"samplers": ("bo",)}, "unknown sampler 'bo'; choices: random, evolution"),
        ({"seeds": (0, -1)}, "seeds must be non-negative integers, got 0, -1"),
        ({"budget": 0}, "budget must be a positive integer, got 0"),
        ({"fidelity": "5ep"}, "unknown fidelity '5ep' for benchmark 'nasbench201'; choices: 12ep"),
        ({"sampler_options": {"tpe": {}}}, "sampler_options names 'tpe', which is not compared"),
        ({"sampler_options": {"random": {"f": print}}}, "sampler_options must hold JSON values only"),
        ({"samplers": ("random+transfer",)},
         f"sampler entry 'random\\+transfer': --transfer applies to {', '.join(names_with('transfer'))}, not 'random'"),
        ({"samplers": ("bo+transfer",)}, "unknown sampler 'bo'; choices: random"),
        ({"samplers": ("random+wilcoxon",)}, "sampler entry 'random\\+wilcoxon': unknown pruner 'wilcoxon'; "
                                             "choices: none, median, asha, hyperband"),
        ({"samplers": ("random+none",)}, "'none' after '\\+' names no pruner: 'random\\+none' is 'random'"),
        ({"samplers": ("evolution",), "objectives": ("valid", "params")},
         "sampler entry 'evolution': sampler 'evolution' searches one objective"),
        ({"objectives": ("valid", "latency")}, "benchmark 'nasbench201' has no 'latency' for cifar10"),
        ({"constraints": ("params<=1",), "budget_seconds": 10.0},
         "fidelity and budget_seconds apply to a comparison of valid alone without constraints"),
        ({"samplers": ("random+",)}, "a sampler entry is NAME or NAME\\+PRUNER, got 'random\\+'"),
        ({"samplers": ("bo+asha",)}, "unknown sampler 'bo'"),
        ({"budget_seconds": 0}, "budget_seconds must be a positive number, got 0"),
    ],
)
def test_bad_configs_are_refused_with_the_reason(change, message) -> None:  # type: ignore[no-untyped-def]
    kwargs = {"benchmark": "nasbench201", "datasets": ("cifar10",), "samplers": ("random",), "seeds": (0,),
              "budget": 5, **change}
    with pytest.raises((InvalidArgumentError, UnknownNameError), match=message):
        ComparisonConfig(**kwargs)


def test_workers_must_be_positive() -> None:
    with pytest.raises(InvalidArgumentError, match="workers must be a positive integer, got 0"):
        run_comparison(TINY, workers=0)


def test_config_is_json() -> None:
    config = replace(TINY, sampler_options={"random": {}})
    assert config.to_dict() == {"benchmark": "nasbench201", "datasets": ("cifar10",), "samplers": ("random", "evolution"),
                                "seeds": (0, 1), "budget": 5, "fidelity": None, "sampler_options": {"random": {}},
                                "budget_seconds": None, "objectives": ("valid",), "constraints": (), "judge": None}
    assert ComparisonConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_split_entry() -> None:
    assert (split_entry("tpe+hyperband"), split_entry("latent-bo")) == (("tpe", "hyperband"), ("latent-bo", None))


@pytest.fixture(scope="module")
def pruned_run():  # type: ignore[no-untyped-def]
    return run_one(RunJob("nasbench201", "cifar10", "random+asha", 0, budget=100, budget_seconds=60_000.0))


def test_an_entry_with_a_pruner_searches_every_column_and_pays_for_what_it_looked_up(pruned_run) -> None:  # type: ignore[no-untyped-def]
    from latentnas.objectives import MultiFidelityObjective
    from latentnas.samplers import make_sampler
    from latentnas.study import create_study, make_pruner, run_search

    # The same run by hand: the record's figures are the study's, cut at the budget.
    objective = MultiFidelityObjective("nasbench201", "cifar10")
    space = objective.space
    study = create_study(space, make_sampler("random", space, seed=0), pruner=make_pruner("asha", objective),
                         study_name="cifar10-random+asha-seed0")
    result = run_search(study, objective, n_unique=100, max_cost_seconds=60_000.0)
    within = [row for row in result.history if row["cumulative_cost"] <= 60_000.0]
    assert result.pruned > 0 and result.cost_seconds >= 60_000.0
    r = pruned_run
    assert (r.sampler, r.fidelity, r.budget_seconds) == ("random+asha", None, 60_000.0)
    assert (r.unique, r.pruned, r.trials, r.simulated_seconds) == (len(within), result.pruned, result.trials,
                                                                   result.cost_seconds)
    assert [p.simulated_seconds for p in r.curve] == [row["cumulative_cost"] for row in within]
    best = max(within, key=lambda row: row["valid"])
    assert (r.best_arch, r.best_valid) == (best["arch"], best["valid"])


def test_seconds_to_top_is_what_was_paid_at_the_first_full_evaluation_of_a_top_architecture() -> None:
    bench = get_benchmark("nasbench201")
    threshold = bench.stats("cifar10").top_threshold(0.001)
    space = bench.space("cifar10")
    r = run_one(RunJob("nasbench201", "cifar10", "tpe", 1, budget=60))
    assert r.found_top and r.queries_to_top is not None
    assert r.seconds_to_top == r.curve[r.queries_to_top - 1].simulated_seconds
    # A budget that ends one simulated second before it: not reached, and that evaluation is not counted.
    cut = run_one(RunJob("nasbench201", "cifar10", "tpe", 1, budget=60, budget_seconds=r.seconds_to_top - 1.0))
    assert (cut.found_top, cut.seconds_to_top, cut.queries_to_top) == (False, None, None)
    assert cut.unique == r.queries_to_top - 1 and cut.budget_seconds == r.seconds_to_top - 1.0
    assert bench.query(space.from_string(cut.best_arch), "cifar10").valid < threshold  # type: ignore[arg-type]



def test_a_transfer_label_runs_the_sampler_with_the_other_datasets_as_sources(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from latentnas.evaluation import runs

    assert runs.split_label("latent-bo+transfer") == ("latent-bo", True)
    assert runs.split_label("latent-bo") == ("latent-bo", False)
    assert runs.split_label("latent-bo+transfer+asha") == ("latent-bo+asha", True)
    assert runs.split_label("latent-bo+asha") == ("latent-bo+asha", False)
    from latentnas.samplers import make_sampler

    made = {}

    def fake_make_sampler(name, space, *, seed=None, **kwargs):  # type: ignore[no-untyped-def]
        made.update(name=name, sources=[s.name for s in kwargs["transfer"]], options=kwargs)
        return make_sampler("random", space, seed=seed)

    monkeypatch.setattr("latentnas.assembly.make_sampler", fake_make_sampler)
    record = runs.run_one(runs.RunJob("nasbench201", "cifar100", "latent-bo+transfer", 0, budget=3,
                                      options={"n_initial": 2}))
    assert made["name"] == "latent-bo"
    assert made["sources"] == ["nasbench201/cifar10", "nasbench201/imagenet16-120"]
    assert made["options"]["n_initial"] == 2
    assert record.sampler == "latent-bo+transfer" and record.unique == 3


#: Records of runs made before comparisons were described by a SearchSpec (commit f7c4656), seconds apart: the same
#: seed must give the same record.
BEFORE = {
    ("random", 3): {
        "trials": 12, "best_valid": 91.06, "test_at_best_valid": 94.0633, "simulated_seconds": 23130.170000000002,
        "best_arch": "|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|",
        "valid_top_percent": 1.1599133931333128, "test_top_percent": 0.4175688215279926,
        "curve": [(1, 90.98, 4.1373999999999995, 2062.01), (2, 91.23, 3.8807000000000045, 4322.370000000001),
                  (3, 92.27, 2.898700000000005, 6374.970000000001), (4, 92.27, 2.898700000000005, 8230.510000000002),
                  (5, 92.27, 2.898700000000005, 9798.460000000003), (6, 92.27, 2.898700000000005, 11275.350000000002),
                  (7, 94.0633, 0.5467000000000013, 13932.750000000002), (8, 94.0633, 0.5467000000000013,
                                                                          16150.880000000001),
                  (9, 94.0633, 0.5467000000000013, 17867.88), (10, 94.0633, 0.5467000000000013, 19406.24),
                  (11, 94.0633, 0.5467000000000013, 20900.88), (12, 94.0633, 0.5467000000000013, 23130.170000000002)]},
    ("evolution", 3): {
        "trials": 12, "best_valid": 91.116, "test_at_best_valid": 93.905, "simulated_seconds": 22595.339999999997,
        "best_arch": "|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|",
        "valid_top_percent": 0.8815341787813177, "test_top_percent": 0.9433962264150944,
        "curve": [(1, 93.7367, 1.6880000000000024, 2854.75), (2, 93.7367, 1.6880000000000024, 4575.8099999999995),
                  (3, 93.7367, 1.6880000000000024, 6691.849999999999), (4, 93.7367, 1.6880000000000024, 8297.74),
                  (5, 93.905, 0.4907000000000039, 10923.04), (6, 93.905, 0.4907000000000039, 12641.140000000001),
                  (7, 93.905, 0.4907000000000039, 14581.77), (8, 93.905, 0.4907000000000039, 16632.46),
                  (9, 93.905, 0.4907000000000039, 17602.8), (10, 93.905, 0.4907000000000039, 19873.71),
                  (11, 93.905, 0.4907000000000039, 21155.51), (12, 93.905, 0.4907000000000039, 22595.339999999997)]},
    ("random+asha", 2): {
        "trials": 40, "best_valid": 91.056, "test_at_best_valid": 93.8833, "simulated_seconds": 23309.14740000001,
        "best_arch": "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_1x1~2|",
        "valid_top_percent": 1.2063099288586452, "test_top_percent": 1.1135168574079801, "pruned": 30,
        "curve": [(1, 91.8, 3.1214000000000084, 2573.1711999999998), (2, 92.1133, 2.5934000000000026, 4159.177),
                  (3, 92.35, 2.2107000000000028, 6076.5268), (4, 92.35, 2.2107000000000028, 7811.616800000001),
                  (5, 92.97, 2.0267000000000053, 11027.442600000002), (6, 92.97, 2.0267000000000053, 14073.1778),
                  (7, 92.97, 2.0267000000000053, 16343.2224), (8, 92.97, 2.0267000000000053, 18663.2338),
                  (9, 93.8833, 0.5507000000000062, 21199.437200000004),
                  (10, 93.8833, 0.5507000000000062, 23309.14740000001)]},
}


@pytest.mark.parametrize(("sampler", "seed"), list(BEFORE))
def test_a_run_gives_the_record_it_gave_before_searches_were_described(sampler: str, seed: int) -> None:
    budget = len(BEFORE[(sampler, seed)]["curve"])  # type: ignore[arg-type]
    record = asdict(run_one(RunJob("nasbench201", "cifar10", sampler, seed, budget=budget)))
    record["curve"] = [tuple(point) for point in record["curve"]]
    assert {key: record[key] for key in BEFORE[(sampler, seed)]} == BEFORE[(sampler, seed)]
    assert (record["unique"], record["found_top"], record["optimum_test"]) == (budget, False, 94.3733)
