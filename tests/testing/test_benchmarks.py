"""The benchmark contract fails tables that break it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from latentnas.benchmarks import Evaluation
from latentnas.testing.benchmarks import BenchmarkContract
from tests.benchmarks.test_base import TinyBenchmark


class _PermilleBenchmark(TinyBenchmark):
    """Accuracies in per mille, not percent."""

    def records(self, dataset: str, fidelity: str | None = None) -> Mapping[str, Evaluation]:
        rows = super().records(dataset, fidelity)
        return MappingProxyType({k: Evaluation(e.valid * 10) for k, e in rows.items()})


class _EncodingKeyedBenchmark(TinyBenchmark):
    """Looks rows up by the encoding itself, so isomorphic encodings read different rows."""

    def query(self, arch: Any, dataset: str, *, fidelity: str | None = None) -> Evaluation:
        return Evaluation(float(sum(arch[1])) + (arch[0][0] == "a"))


def test_the_contract_passes_the_tiny_table_and_fails_broken_ones() -> None:
    contract = BenchmarkContract()
    contract.test_values_are_percentages_and_costs(TinyBenchmark(), "up")
    with pytest.raises(AssertionError):
        contract.test_values_are_percentages_and_costs(_PermilleBenchmark(), "up")
    contract.test_query_reads_the_row_of_the_canonical_key(TinyBenchmark(), "up")
    with pytest.raises(AssertionError):
        contract.test_query_reads_the_row_of_the_canonical_key(_EncodingKeyedBenchmark(), "up")
