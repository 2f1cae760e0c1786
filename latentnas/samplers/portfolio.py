"""A zero-shot portfolio: the architectures that did best on other tasks, in order.

Each transfer source (another dataset's table, an earlier study; :class:`~latentnas.history.TransferSource`) ranks the
architectures it observed; an architecture's score is its mean rank percentile over the sources that observed it
(``rank / observed``, 0 the best; an architecture no source observed comes after every observed one), and the portfolio
proposes the best-scored architecture the study does not know yet. It is deterministic, costs nothing to fit, and
learns nothing from the target: the floor a transfer method must clear (the "trying what won elsewhere" of
Feurer et al.'s portfolios, and of the zero-shot AutoML literature). With no unknown architecture left in its order,
it proposes uniformly random new ones.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import optuna

from latentnas.errors import InvalidArgumentError
from latentnas.history import History, TransferSource, check_sources
from latentnas.samplers.base import ArchitectureSampler
from latentnas.samplers.registry import Capabilities
from latentnas.spaces import SearchSpace


def portfolio_order(space: SearchSpace[Any], sources: Sequence[TransferSource]) -> list[tuple[str, Any]]:
    """``(canonical key, architecture)`` of every architecture some source observed, best mean rank percentile first
    (ties by key).

    Within a source, tied values share their mean rank; an architecture a source observed twice (two encodings of one
    class) counts once, at its first value.
    """
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    archs: dict[str, Any] = {}
    for source in sources:
        values: dict[str, float] = {}
        for arch, value in zip(source.archs, source.values):
            key = space.canonical_key(arch)
            if key not in values:
                values[key] = value
                archs.setdefault(key, arch)
        ordered = sorted(values.values(), reverse=True)
        first: dict[float, int] = {}
        last: dict[float, int] = {}
        for i, value in enumerate(ordered):
            first.setdefault(value, i)
            last[value] = i
        n = len(ordered)
        for key, value in values.items():
            totals[key] = totals.get(key, 0.0) + (first[value] + last[value]) / 2 / n
            counts[key] = counts.get(key, 0) + 1
    order = sorted(totals, key=lambda k: (totals[k] / counts[k], k))
    return [(k, archs[k]) for k in order]


class PortfolioSampler(ArchitectureSampler):
    """Proposes the architectures other tasks ranked best, in order (see the module docstring).

    Args:
        space: The space searched.
        transfer: The other tasks' observations (at least one source), e.g. a benchmark's other datasets
            (``TabularBenchmark.transfer_sources``).
        seed: Seed of the random new architectures proposed once the order is exhausted.
        independent_sampler: Samples params outside the space (default Optuna's ``RandomSampler(seed=seed)``).
    """

    name = "portfolio"
    capabilities = Capabilities(transfer=True, needs_transfer=True)

    def __init__(
        self,
        space: SearchSpace[Any],
        *,
        transfer: Sequence[TransferSource] | None = None,
        seed: int | None = None,
        independent_sampler: optuna.samplers.BaseSampler | None = None,
    ) -> None:
        super().__init__(space, seed=seed, independent_sampler=independent_sampler)
        self.transfer = check_sources(transfer)
        if not self.transfer:
            raise InvalidArgumentError("the portfolio needs transfer sources (transfer=...): it proposes what they "
                                       "ranked best")
        self._order: list[tuple[str, Any]] | None = None
        self._described: list[dict[str, str]] | None = None

    def order(self) -> list[tuple[str, Any]]:
        """The portfolio (:func:`portfolio_order` of the sources), computed once."""
        if self._order is None:
            self._order = portfolio_order(self.space, self.transfer)
        return self._order

    def describe(self) -> dict[str, Any]:
        """As :meth:`ArchitectureSampler.describe`, with each source's name and sha256."""
        if self._described is None:
            self._described = [{"name": s.name, "sha256": s.digest(self.space)} for s in self.transfer]
        return {**super().describe(), "transfer": self._described}

    def propose(self, history: History, rng: random.Random) -> Any:
        for key, arch in self.order():
            if key not in history.known:
                return arch
        return self.sample_new(history, rng)
