"""Networks built from architectures: plain ``nn.Module``s that need nothing from latentnas to run.

Each space owns its network: it names the class of one of the standalone modules here (``nasbench_graph``,
``nasbench201``, ``nasbench101``, ``darts``, which import only torch and torch_geometric), the task kinds it serves,
and turns an architecture into the class's plain constructor arguments. ``space.network_spec(arch, task)`` gives the
:class:`NetworkSpec` (also what ``latentnas export`` writes out) and ``space.build(arch, task)`` the network. Each
module's ``OPS`` is its space's op vocabulary: the space takes that very tuple.
"""

from __future__ import annotations

from latentnas.networks.spec import NetworkSpec, count_parameters
from latentnas.networks.task import KINDS, Task, TaskError

__all__ = ["KINDS", "NetworkSpec", "Task", "TaskError", "count_parameters"]
