"""Contract test suites for latentnas's extension points, as pytest base classes (as ``optuna.testing`` has for
samplers): subclass one in your own tests and provide its fixture, and pytest runs the whole contract against your
implementation.

* :class:`~latentnas.testing.spaces.SearchSpaceContract` (fixture ``space``)
* :class:`~latentnas.testing.benchmarks.BenchmarkContract` (fixtures ``benchmark`` and ``dataset``)
* :class:`~latentnas.testing.objectives.ObjectiveContract` (fixture ``objective``)
* :class:`~latentnas.testing.encoders.EncoderContract` (fixture ``encoder``) and
  :class:`~latentnas.testing.encoders.DecoderContract` (fixture ``decoder``)
* :class:`~latentnas.testing.samplers.ArchitectureSamplerContract` (method ``make(space, seed)``)
* :class:`~latentnas.testing.strategies.AcquisitionContract` (method ``make(surrogate, candidates)``), for a new
  acquisition of latent BO

Import the submodule you need (``from latentnas.testing.spaces import SearchSpaceContract``). NOTE: these modules
import pytest, which latentnas does not depend on; install it where the tests run.
"""

from __future__ import annotations

import pytest

# The contracts are plain modules, not test files: registered so that pytest still shows the values in a failing
# assertion. (Registering a module pytest has not yet seen is harmless; outside a pytest run it does nothing.)
pytest.register_assert_rewrite(
    "latentnas.testing.benchmarks",
    "latentnas.testing.encoders",
    "latentnas.testing.objectives",
    "latentnas.testing.samplers",
    "latentnas.testing.spaces",
    "latentnas.testing.strategies",
)
