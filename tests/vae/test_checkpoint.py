from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import pytest
import torch

from latentnas.errors import CheckpointError
from latentnas.spaces.base import GraphSpec
from latentnas.vae import load_checkpoint, read_manifest, save_checkpoint
from latentnas.vae.train import TrainedVAE
from tests.vae.tiny_space import TinySpace


class OtherVocabulary(TinySpace):
    @property
    def graph_spec(self) -> GraphSpec:
        return GraphSpec(num_nodes=4, node_types=("input", "output", "a", "b", "d"))


class OtherName(TinySpace):
    name = "tiny2"


@pytest.fixture
def saved(tmp_path: Path, tiny_space: TinySpace, tiny_trained: TrainedVAE) -> Path:
    path = tmp_path / "ckpt" / "tiny.pt"
    save_checkpoint(path, tiny_trained.vae, space=tiny_space, configs=tiny_trained.config,
                    metrics={"recon": 0.5, "loss": float("nan")})
    return path


def test_round_trip_and_manifest(saved: Path, tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    manifest = json.loads(saved.with_suffix(".json").read_text())
    assert manifest["space"] == "tiny"
    assert manifest["node_types"] == ["input", "output", "a", "b", "c"]
    assert manifest["num_nodes"] == 4 and manifest["latent_dim"] == 4
    assert manifest["configs"] == tiny_trained.config.to_dict()
    assert manifest["metrics"] == {"recon": 0.5, "loss": None}
    assert manifest["sha256"] == hashlib.sha256(saved.read_bytes()).hexdigest()
    assert manifest["latentnas_version"] == "0.1.0"
    vae, loaded = load_checkpoint(saved, space=tiny_space)
    assert loaded == manifest == read_manifest(saved)
    assert not vae.training
    z = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(vae.decode(z).type_logits, tiny_trained.vae.decode(z).type_logits)


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (OtherName(), "is for space 'tiny', not 'tiny2'"),
        (OtherVocabulary(), r"has node vocabulary \['input', 'output', 'a', 'b', 'c'\] on 4 nodes, but space 'tiny' has"),
    ],
)
def test_another_space_or_vocabulary_is_refused(saved: Path, space: TinySpace, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(saved, space=space)


def test_truncated_or_altered_weights_are_refused(saved: Path, tiny_space: TinySpace) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=f"checkpoint {saved} is truncated or altered: sha256"):
        load_checkpoint(saved, space=tiny_space)
    saved.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(CheckpointError, match="truncated or altered"):
        load_checkpoint(saved)


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))


def test_a_pickle_carrying_code_is_refused_even_with_a_matching_hash(saved: Path, tiny_space: TinySpace) -> None:
    with saved.open("wb") as handle:
        pickle.dump({"weights": _Payload()}, handle)
    manifest_file = saved.with_suffix(".json")
    manifest = json.loads(manifest_file.read_text())
    manifest["sha256"] = hashlib.sha256(saved.read_bytes()).hexdigest()
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=f"checkpoint {saved} holds objects other than tensors"):
        load_checkpoint(saved, space=tiny_space)


def test_missing_or_broken_manifest(saved: Path) -> None:
    manifest_file = saved.with_suffix(".json")
    manifest_file.write_text("{not json")
    with pytest.raises(CheckpointError, match="is not valid JSON"):
        load_checkpoint(saved)
    manifest_file.unlink()
    with pytest.raises(CheckpointError, match=f"checkpoint {saved}: manifest {manifest_file} is missing"):
        load_checkpoint(saved)


def test_weights_that_do_not_fit_the_configs(saved: Path, tiny_space: TinySpace) -> None:
    torch.save({"encoder.fc_mu.weight": torch.zeros(1)}, saved)
    manifest_file = saved.with_suffix(".json")
    manifest = json.loads(manifest_file.read_text())
    manifest["sha256"] = hashlib.sha256(saved.read_bytes()).hexdigest()
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="does not fit its configs"):
        load_checkpoint(saved, space=tiny_space)


def test_a_json_weights_path_is_refused(tmp_path: Path, tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    with pytest.raises(CheckpointError, match="must not end in .json"):
        save_checkpoint(tmp_path / "x.json", tiny_trained.vae, space=tiny_space, configs=tiny_trained.config)
