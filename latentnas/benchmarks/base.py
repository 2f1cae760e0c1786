"""Tabular benchmarks: every architecture of a space looked up, not trained.

A benchmark is keyed by the space's canonical key, so isomorphic encodings read the same row. Best-possible values,
top-fraction thresholds and regret all come from the table itself.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType
from typing import Any

from latentnas.errors import InvalidArgumentError, UnknownNameError
from latentnas.history import TransferSource
from latentnas.records import Evaluation
from latentnas.spaces import SearchSpace


class TabularBenchmark(ABC):
    """A table of evaluations of a finite space, one per canonical architecture, for several datasets."""

    #: Registry name, e.g. ``"nasbench201"``.
    name: str
    #: Name of the space the table covers.
    space_name: str
    #: Datasets the table has, in a fixed order.
    datasets: tuple[str, ...]
    #: Fidelities besides the default (``None``), e.g. ``("12ep",)``.
    fidelities: tuple[str, ...] = ()
    #: Training epochs behind each column where the table says (``None``: the main column), e.g.
    #: ``{"12ep": 12, None: 200}``; a multi-fidelity objective reports each column at its epochs.
    fidelity_epochs: Mapping[str | None, int] = MappingProxyType({})

    def check_dataset(self, dataset: str) -> str:
        if dataset not in self.datasets:
            raise UnknownNameError(
                f"unknown dataset '{dataset}' for benchmark '{self.name}'; choices: {', '.join(self.datasets)}"
            )
        return dataset

    def check_fidelity(self, fidelity: str | None) -> str | None:
        if fidelity is not None and fidelity not in self.fidelities:
            choices = ", ".join(self.fidelities) or "none"
            raise UnknownNameError(f"unknown fidelity '{fidelity}' for benchmark '{self.name}'; choices: {choices}")
        return fidelity

    @abstractmethod
    def space(self, dataset: str) -> SearchSpace[Any]:
        """The space searched on ``dataset`` (some datasets use a restricted vocabulary)."""

    @abstractmethod
    def records(self, dataset: str, fidelity: str | None = None) -> Mapping[str, Evaluation]:
        """Every row for ``dataset``, keyed by the space's canonical key (loaded once, then cached)."""

    def query(self, arch: Any, dataset: str, *, fidelity: str | None = None) -> Evaluation:
        """The table's evaluation of ``arch`` (any encoding of it) on ``dataset``."""
        space = self.space(self.check_dataset(dataset))
        space.validate(arch)
        key = space.canonical_key(arch)
        try:
            return self.records(dataset, self.check_fidelity(fidelity))[key]
        except KeyError:
            raise UnknownNameError(
                f"architecture {space.to_string(arch)} has no row in benchmark '{self.name}' ({dataset})"
            ) from None

    def transfer_sources(self, target: str | None = None) -> list[TransferSource]:
        """The validation column of every dataset searched in the same space as ``target``, but ``target`` itself:
        sources of knowledge for a search on ``target`` (see ``LatentBOSampler(transfer=...)``).

        Args:
            target: A dataset of the benchmark, left out; ``None`` (a user's own data): every dataset of the main
                space (that of the first dataset).

        Raises:
            InvalidArgumentError: No other dataset is searched in the target's space.
        """
        space = self.space(self.check_dataset(target) if target is not None else self.datasets[0])
        archs = space.pretraining_archs()
        keys = [space.canonical_key(a) for a in archs]
        sources = []
        for dataset in self.datasets:
            if dataset == target or self.space(dataset) is not space:
                continue
            rows = self.records(dataset)
            pairs = [(a, rows[k].valid) for a, k in zip(archs, keys) if k in rows]
            sources.append(TransferSource(f"{self.name}/{dataset}", [a for a, _ in pairs], [v for _, v in pairs]))
        if not sources:
            raise InvalidArgumentError(f"benchmark '{self.name}' has no other dataset in the space of '{target}' "
                                       "to transfer from")
        return sources

    # ------------------------------------------------------------------------------------------- table statistics
    def stats(self, dataset: str) -> TableStats:
        return TableStats(self.records(self.check_dataset(dataset)))


class TableStats:
    """Figures derived from one table: the optimum, the top-fraction thresholds, regret."""

    def __init__(self, records: Mapping[str, Evaluation]) -> None:
        self._records = records

    @cached_property
    def sorted_valid(self) -> list[float]:
        return sorted((e.valid for e in self._records.values()), reverse=True)

    @cached_property
    def best(self) -> Evaluation:
        """The row with the best validation accuracy (its test accuracy is the figure a perfect search reports)."""
        return max(self._records.values(), key=lambda e: e.valid)

    @cached_property
    def best_test(self) -> float:
        """The best test accuracy in the table (an oracle that peeks at test data)."""
        return max(e.test for e in self._records.values() if e.test is not None)

    def test_regret(self, test: float | None) -> float | None:
        """How far a search that reports test accuracy ``test`` is from a perfect one: the test accuracy of the
        table's best row by validation minus ``test`` (``None`` where either is unknown)."""
        if test is None or self.best.test is None:
            return None
        return self.best.test - test

    def top_threshold(self, fraction: float) -> float:
        """The validation accuracy an architecture needs to be in the top ``fraction`` of canonical rows."""
        if not 0 < fraction <= 1:
            raise InvalidArgumentError(f"fraction must be in (0, 1], got {fraction}")
        k = max(1, math.ceil(fraction * len(self.sorted_valid)))
        return self.sorted_valid[k - 1]

    def __len__(self) -> int:
        return len(self._records)
