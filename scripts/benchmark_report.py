"""Seconds of `latentnas report` on a large study: wall clock of the whole command, in a fresh process each time.

For each benchmark, dataset (and objectives) given, a study of --trials unique architectures is searched by the random
sampler into a SQLite file (`latentnas search ... --sampler random`; reused when it is already there), then
`latentnas report STUDY --storage URL --out DIR --threads 1` is run as a subprocess --repeats times with the
encoding cache emptied before each (cold) and --repeats times with it filled (warm). Subprocess wall clock includes
the interpreter's start and every import: what a person waits for. Prints a table and writes a record under --out
(runs.csv, table.md, results.json, command and commit) and one example report per benchmark (its PNGs).

Example:
  python scripts/benchmark_report.py --out docs/results/report-speed
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from latentnas.evaluation.measurements import Column, command_line, markdown_table, write_measurements

#: ``benchmark:dataset`` pairs measured by default.
DEFAULT_CASES = ("nasbench201:cifar10", "nasbench-graph:cora", "nasbench-graph:cora:valid,latency")

COLUMNS = (Column("benchmark"), Column("dataset"), Column("objectives"), Column("trials", "unique architectures"),
           Column("cold_median", "report, cold cache (s, median)", "{:.2f}"),
           Column("warm_median", "report, warm cache (s, median)", "{:.2f}"),
           Column("cold_seconds", "runs, cold (s)", "{:.2f}"), Column("warm_seconds", "runs, warm (s)", "{:.2f}"))


def cli(*args: str, env: dict[str, str]) -> float:
    """Runs ``latentnas ARGS`` in a fresh interpreter; its wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "latentnas.cli", *args], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), help="BENCHMARK:DATASET[:OBJECTIVES] (objectives: "
                                                                                  "`latentnas search --objectives`)")
    parser.add_argument("--trials", type=int, default=1000, help="unique architectures in each study")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the report per setting (median reported)")
    parser.add_argument("--db", default=None, help="SQLite file of the studies (default: a temporary one)")
    parser.add_argument("--out", required=True, help="record folder")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="latentnas-report-"))
    db = Path(args.db) if args.db else work / "studies.db"
    url = f"sqlite:///{db.resolve()}"
    # A home of its own: an empty encoding cache for the cold runs, never the user's.
    env = {**os.environ, "LATENTNAS_HOME": str(work / "home")}
    rows = []
    for case in args.cases:
        benchmark, dataset, objectives = (case.split(":") + [""])[:3]
        tag = f"{benchmark}-{dataset}" + (f"-{objectives.replace(',', '-')}" if objectives else "")
        study = f"{tag}-random-{args.trials}"
        start = time.perf_counter()
        several = ["--objectives", objectives] if objectives else []
        cli("search", "--benchmark", benchmark, "--dataset", dataset, "--sampler", "random", "--trials",
            str(args.trials), *several, "--storage", url, "--study", study, "--quiet", "--threads", "1", env=env)
        search_s = time.perf_counter() - start
        report = ["report", study, "--storage", url, "--threads", "1"]
        times: dict[str, list[float]] = {"cold": [], "warm": []}
        for state in ("cold", "warm"):
            for r in range(args.repeats):
                if state == "cold":
                    shutil.rmtree(work / "home" / "cache", ignore_errors=True)
                folder = out / f"example-{tag}" if state == "warm" and r == 0 else work / f"{study}-{state}-{r}"
                times[state].append(cli(*report, "--out", str(folder), env=env))
        row = {"benchmark": benchmark, "dataset": dataset, "objectives": objectives or "valid", "trials": args.trials, "search_seconds": search_s,
               "cold_seconds": times["cold"], "warm_seconds": times["warm"],
               "cold_median": statistics.median(times["cold"]), "warm_median": statistics.median(times["warm"])}
        rows.append(row)
        print(f"{benchmark}/{dataset} ({row['objectives']}): cold {row['cold_median']:.2f} s, warm {row['warm_median']:.2f} s "
              f"(medians of {args.repeats})", flush=True)
        (out / f"example-{tag}" / "report.html").unlink(missing_ok=True)  # the PNGs are the example

    note = (f"Wall clock of `latentnas report STUDY --storage sqlite:///... --out DIR --threads 1` in a fresh "
            f"process (interpreter start and imports included), on studies of {args.trials} unique architectures "
            "searched by the random sampler into one SQLite file. Cold: the encoding cache emptied before the run "
            "(the whole space encoded); warm: read from it.")
    write_measurements(out, rows, command=command_line(__file__, argv), columns=COLUMNS, notes=note,
                       data={"results.json": rows})
    print(markdown_table(rows, COLUMNS))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
