"""Objectives: what evaluating one architecture means (a table lookup, training it, a predictor)."""

from __future__ import annotations

from latentnas.objectives.base import Objective
from latentnas.objectives.benchmark import BenchmarkObjective
from latentnas.objectives.fidelities import MultiFidelityObjective

__all__ = ["BenchmarkObjective", "MultiFidelityObjective", "Objective"]
