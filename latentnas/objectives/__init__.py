"""Objectives: what evaluating one architecture means (a table lookup, training it, a predictor)."""

from __future__ import annotations

from latentnas.objectives.base import Objective
from latentnas.objectives.benchmark import BenchmarkObjective

__all__ = ["BenchmarkObjective", "Objective"]
