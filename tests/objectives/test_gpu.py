"""The CUDA path: training, mixed precision, export and a search on a GPU. Run with ``pytest -m gpu`` on a machine
with one; the default run deselects these (``-m 'not slow and not gpu'``), and the CPU path has its own tests."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from latentnas.networks.export import export_network
from latentnas.networks.nasbench201 import NB201Config
from latentnas.networks.nasbench_graph import OPS, GNNConfig
from latentnas.objectives.training import TrainingObjective
from latentnas.samplers import make_sampler
from latentnas.spaces import get_space
from latentnas.study import create_study, run_search
from tests.networks.exported import load_exported

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

SMALL_GNN = GNNConfig(hidden=16)


@pytest.fixture(scope="module")
def graph_space():  # type: ignore[no-untyped-def]
    return get_space("nasbench-graph")


@pytest.mark.parametrize("amp", [False, True])
@pytest.mark.parametrize("op", OPS)
def test_every_gnn_op_trains_on_the_gpu(cora_small, graph_space, op: str, amp: bool) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    objective = TrainingObjective(graph_space, data, task, epochs=3, amp=amp, network_config=SMALL_GNN)
    assert objective.device.type == "cuda" and objective.amp is amp
    assert data.x.device.type == "cpu"  # the caller's graph stays where it was
    result = objective(graph_space.from_string(f"[0,0,1,2] [{op},gcn,{op},{op}]"))
    assert 0.0 <= result.valid <= 100.0 and math.isfinite(result.test)
    assert result.extras["latency"] > 0 and result.extras["params"] > 0  # type: ignore[operator]


def test_the_gpu_defaults_to_mixed_precision_and_learns(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    objective = TrainingObjective(graph_space, data, task, epochs=30, network_config=SMALL_GNN)
    assert objective.amp is True
    # 7 classes: a constant guess scores far below 40% on the validation nodes of the subgraph (as on the CPU).
    assert objective(graph_space.from_string("[0,1,2,3] [skip,skip,gcn,gcn]")).valid > 40.0


def test_graph_and_image_tasks_train_on_the_gpu(mutag, digits, graph_space) -> None:  # type: ignore[no-untyped-def]
    dataset, task = mutag
    graphs = TrainingObjective(graph_space, dataset, task, epochs=2, batch_size=32, network_config=SMALL_GNN)
    assert graphs.device.type == "cuda"
    assert 0.0 <= graphs(graph_space.from_string("[0,0,1,2] [gin,sage,gat,fc]")).valid <= 100.0
    splits, image_task = digits
    space = get_space("nasbench201")
    images = TrainingObjective(space, splits, image_task, epochs=1, lr=0.05, optimizer="sgd", cosine=True,
                               network_config=NB201Config(channels=8, cells_per_stage=1))
    result = images(space.from_string("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|"
                                      "nor_conv_3x3~1|skip_connect~2|"))
    assert result.valid > 10.0


def test_a_network_trained_on_the_gpu_exports_to_plain_pytorch_on_the_cpu(cora_small, graph_space,
                                                                         tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    arch = graph_space.from_string("[0,0,1,2] [gat,arma,gin,cheb]")
    model, _ = TrainingObjective(graph_space, data, task, epochs=3, network_config=SMALL_GNN).train(arch)
    assert next(model.parameters()).device.type == "cuda"
    export_network(graph_space, arch, task, tmp_path, model=model, config=SMALL_GNN)
    exported = load_exported(tmp_path, "exported_gpu_model")
    with torch.no_grad():
        on_gpu = model.eval()(data.x.cuda(), data.edge_index.cuda()).float().cpu()
        on_cpu = exported.eval()(data.x, data.edge_index)
    torch.testing.assert_close(on_cpu, on_gpu, rtol=1e-4, atol=1e-4)


def test_latent_bo_searches_with_training_on_the_gpu(cora_small, graph_space) -> None:  # type: ignore[no-untyped-def]
    data, task = cora_small
    objective = TrainingObjective(graph_space, data, task, epochs=2, network_config=SMALL_GNN)
    sampler = make_sampler("latent-bo", graph_space, seed=0, n_initial=2)
    result = run_search(create_study(graph_space, sampler), objective, n_unique=4)
    assert result.unique_evaluations == 4 and result.failures == 0
    assert result.best_valid == max(row["valid"] for row in result.history)



def test_a_cuda_index_beyond_the_last_is_refused() -> None:
    from latentnas.errors import LatentNASError
    from latentnas.objectives.training import choose_device

    count = torch.cuda.device_count()
    assert choose_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(LatentNASError, match=f"^device 'cuda:{count}': there are {count} CUDA devices"):
        choose_device(f"cuda:{count}")
