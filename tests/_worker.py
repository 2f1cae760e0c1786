"""A search worker for the multi-process tests: ``python -m tests._worker CONFIG_JSON``.

CONFIG_JSON holds ``storage``, ``study``, ``trials``, ``sampler``, ``seed``, and optionally ``sleep`` (seconds each
evaluation is held, as if training), ``log`` (a file to which each evaluation appends its architecture key) and
``heartbeat`` (``[interval, grace_period]``). Prints the study's summary (and what it held at the start, ``resumed``) as one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import optuna
import torch

from latentnas.benchmarks import Evaluation
from latentnas.objectives import BenchmarkObjective
from latentnas.samplers import make_sampler
from latentnas.storage import open_storage
from latentnas.study import create_study, resume, run_search


class SlowLookup:
    """NB201 lookups held ``sleep`` seconds each; each evaluation is logged (one line, appended atomically)."""

    def __init__(self, sleep: float, log: str | None) -> None:
        self.inner = BenchmarkObjective("nasbench201", "cifar10")
        self.space = self.inner.space
        self.sleep, self.log = sleep, log

    def __call__(self, arch: Any) -> Evaluation:
        if self.log:
            with open(self.log, "a") as f:
                f.write(f"start {os.getpid()} {self.space.canonical_key(arch)}\n")
        time.sleep(self.sleep)
        evaluation = self.inner(arch)
        if self.log:
            with open(self.log, "a") as f:
                f.write(f"done {os.getpid()} {self.space.canonical_key(arch)}\n")
        return evaluation


def main() -> None:
    config = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = SlowLookup(config.get("sleep", 0.0), config.get("log"))
    interval, grace = config.get("heartbeat", [10, 60])
    storage = open_storage(config["storage"], heartbeat_interval=interval, grace_period=grace)
    sampler = make_sampler(config["sampler"], objective.space, seed=config["seed"])
    study = create_study(objective.space, sampler, storage=storage, study_name=config["study"],
                         identity={"benchmark": "nasbench201", "dataset": "cifar10"})
    resumed = resume(study, config["trials"])
    result = run_search(study, objective, n_unique=config["trials"], poll_interval=0.1)
    print(json.dumps({**result.to_dict(), "resumed": resumed.to_dict()}))


if __name__ == "__main__":
    main()
