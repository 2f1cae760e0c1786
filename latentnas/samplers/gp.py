"""Optuna's GP-based Bayesian optimization (``GPSampler``) on the raw architectural choices: a non-latent BO baseline
beside latent BO, registered as our samplers are (it describes itself and stores that description on the study)."""

from __future__ import annotations

import optuna

from latentnas.samplers.raw import RawOptunaSampler


class RawGPSampler(RawOptunaSampler, optuna.samplers.GPSampler):
    """Optuna's ``GPSampler`` unchanged (same seed, same trials), plus :meth:`describe`.

    Optuna's GP compares two architectures choice by choice (Hamming distance per categorical param, one
    lengthscale each, under a Matérn-5/2 kernel) and maximizes LogEI over the choices.

    Args:
        space: The space searched (the GP reads the study's params; the space is not needed to sample).
        seed: Seed of the sampler.
        **options: Keyword arguments of ``GPSampler`` (``n_startup_trials``, ``deterministic_objective``); they must
            be JSON values (a study stores them), so ``constraints_func`` or ``independent_sampler`` calls for
            ``optuna.samplers.GPSampler`` itself.
    """

    name = "gp"

