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
from latentnas.vae import checkpoint_space, load_checkpoint, read_manifest, save_checkpoint
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


def _rehash(saved: Path) -> None:
    """Makes the manifest's sha256 match the weights file as it is now (an attacker or a careless copy would)."""
    manifest_file = saved.with_suffix(".json")
    manifest = json.loads(manifest_file.read_text())
    manifest["sha256"] = hashlib.sha256(saved.read_bytes()).hexdigest()
    manifest_file.write_text(json.dumps(manifest))


def test_a_pickle_carrying_code_is_refused_even_with_a_matching_hash(saved: Path, tiny_space: TinySpace) -> None:
    with saved.open("wb") as handle:
        pickle.dump({"weights": _Payload()}, handle)
    _rehash(saved)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(saved, space=tiny_space)
    # One line of ours; never torch's advice to load with weights_only=False (which would run the code).
    assert str(info.value) == (f"checkpoint {saved} holds objects other than tensors (code or classes); refused: "
                               "latentnas loads only tensors")


def test_truncated_weights_with_a_matching_hash_are_one_line(saved: Path, tiny_space: TinySpace) -> None:
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    _rehash(saved)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(saved, space=tiny_space)
    assert str(info.value).startswith(f"checkpoint {saved} cannot be read as a state dict: ")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5", "holds 5, not an object"),
        ("null", "holds null, not an object"),
        ('["space"]', 'holds ["space"], not an object'),
        ('{"space": "tiny"}', "lacks node_types, num_nodes, configs, sha256"),
        ('{"space": 5, "node_types": [], "num_nodes": 4, "configs": {}, "sha256": ""}', "has space 5, not a string"),
        ('{"space": "tiny", "node_types": 5, "num_nodes": 4, "configs": {}, "sha256": ""}',
         "has node_types 5, not a list"),
        ('{"space": "tiny", "node_types": [], "num_nodes": true, "configs": {}, "sha256": ""}',
         "has num_nodes true, not an integer"),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_refused(saved: Path, text: str, message: str) -> None:
    manifest_file = saved.with_suffix(".json")
    manifest_file.write_text(text)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(saved)
    assert str(info.value) == f"checkpoint {saved}: manifest {manifest_file} {message}"


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


def test_an_unwritable_path_is_one_line(tmp_path: Path, tiny_space: TinySpace, tiny_trained: TrainedVAE) -> None:
    (tmp_path / "folder.pt").mkdir()
    (tmp_path / "file").write_text("")
    for path, reason in ((tmp_path / "folder.pt", "Is a directory"), (tmp_path / "file" / "x.pt", "File exists")):
        with pytest.raises(CheckpointError) as info:
            save_checkpoint(path, tiny_trained.vae, space=tiny_space, configs=tiny_trained.config)
        assert str(info.value) == f"cannot write checkpoint {path}: {reason}"


def test_checkpoint_space_rebuilds_the_space_with_the_manifests_ops(tmp_path: Path) -> None:
    from latentnas.vae.checkpoint import shipped_checkpoint_dir

    proteins = checkpoint_space(shipped_checkpoint_dir() / "nasbench-graph-proteins.pt")
    assert (proteins.name, proteins.ops) == ("nasbench-graph", ("gcn", "sage", "arma", "fc", "skip"))
    assert checkpoint_space(shipped_checkpoint_dir() / "nasbench201.pt").name == "nasbench201"


def test_checkpoint_space_refuses_a_space_latentnas_lacks(saved: Path) -> None:
    # The tiny space is not registered: a checkpoint of it names a space no one can rebuild from its name.
    with pytest.raises(CheckpointError, match=f"checkpoint {saved}: unknown space 'tiny'; choices: nasbench-graph"):
        checkpoint_space(saved)
