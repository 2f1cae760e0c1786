"""Saving and loading a trained VAE: a ``state_dict`` plus a JSON manifest beside it.

``save_checkpoint("vae.pt", ...)`` writes ``vae.pt`` (``torch.save`` of the state dict) and ``vae.json``: the space's
name, node vocabulary and node count, the encoder/decoder configs, the latent size, the package version, the
training metrics and the sha256 of ``vae.pt``. :func:`load_checkpoint` checks all of it before trusting the weights.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import math
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from latentnas import __version__
from latentnas.errors import CheckpointError, LatentNASError, first_line
from latentnas.spaces import SPACES, SearchSpace, get_space
from latentnas.vae.model import GraphVAE, VAEConfig, build_vae

FORMAT_VERSION = 1


def shipped_checkpoint_dir() -> Path:
    """Where the shipped encoders are: ``$LATENTNAS_CHECKPOINTS`` if set, else the installed
    ``latentnas.checkpoints`` package (the top-level ``checkpoints/`` folder of a clone, installed under that name)."""
    if os.environ.get("LATENTNAS_CHECKPOINTS"):
        return Path(os.environ["LATENTNAS_CHECKPOINTS"])
    try:
        return Path(str(importlib.resources.files("latentnas.checkpoints")))
    except ModuleNotFoundError:  # a clone used without installing it
        return Path(__file__).resolve().parents[2] / "checkpoints"


def default_checkpoint(space: str | SearchSpace[Any]) -> Path:
    """The shipped checkpoint of a space (or of a space's :attr:`~SearchSpace.checkpoint_name`); raises
    ``CheckpointError`` saying how to make one if absent."""
    space_name = space if isinstance(space, str) else space.checkpoint_name
    folder = shipped_checkpoint_dir()
    path = folder / f"{space_name}.pt"
    if not path.is_file():
        shipped = sorted(p.stem for p in folder.glob("*.pt")) if folder.is_dir() else []
        how = (f"`latentnas pretrain --space {space_name}`" if space_name in SPACES else
               "`latentnas.vae.train_vae` on this space, saved with `save_checkpoint`,")
        raise CheckpointError(
            f"no pretrained encoder for space '{space_name}' in {folder} (shipped: {', '.join(shipped) or 'none'});"
            f" train one with {how} and pass --checkpoint"
        )
    return path


def manifest_path(path: str | Path) -> Path:
    """The manifest beside a weights file: ``vae.pt`` -> ``vae.json``."""
    return Path(path).with_suffix(".json")


def package_version() -> str:
    """The version written into a manifest: ``latentnas.__version__``."""
    return __version__


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _reason(err: BaseException) -> str:
    # The first sentence of an error's first line (torch's messages run on with advice).
    return first_line(err).split(". ")[0].rstrip(".")


def _jsonable(value: Any) -> Any:
    # NaN/inf are not JSON; keep the manifest strict so other tools can read it.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def save_checkpoint(
    path: str | Path,
    vae: GraphVAE,
    *,
    space: SearchSpace[Any],
    configs: VAEConfig,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Writes ``vae``'s weights to ``path`` and its manifest beside it (same name, ``.json``).

    Args:
        path: The weights file to write (parent folders are created).
        vae: The model to save.
        space: The space it was trained on (its name and graph form go into the manifest).
        configs: The encoder and decoder configs ``vae`` was built from.
        metrics: Training metrics (JSON-serializable; non-finite floats are stored as ``null``).

    Returns:
        The manifest's path.
    """
    path = Path(path)
    if path.suffix == ".json":
        raise CheckpointError(f"checkpoint path {path} must not end in .json: the manifest is written beside it")
    state = {key: value.detach().cpu() for key, value in vae.state_dict().items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, path)
    except (OSError, RuntimeError) as err:  # a parent is a file, the path is a folder, no permission, ...
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err).split("strerror: ")[-1]
        raise CheckpointError(f"cannot write checkpoint {path}: {reason}") from None
    spec = space.graph_spec
    manifest = {
        "format": FORMAT_VERSION,
        "space": space.name,
        "node_types": list(spec.node_types),
        "num_nodes": spec.num_nodes,
        "ops": list(space.ops),
        "latent_dim": configs.latent_dim,
        "configs": configs.to_dict(),
        "latentnas_version": package_version(),
        "torch_version": torch.__version__,
        "metrics": _jsonable(metrics or {}),
        "weights": path.name,
        "sha256": _sha256(path),
    }
    out = manifest_path(path)
    out.write_text(json.dumps(manifest, indent=2, sort_keys=True, allow_nan=False) + "\n")
    return out


#: The manifest keys loading needs, with the JSON type each must have.
_MANIFEST_KEYS: dict[str, tuple[type, ...]] = {
    "space": (str,), "node_types": (list,), "num_nodes": (int,), "configs": (dict,), "sha256": (str,),
}
_JSON_NAMES = {str: "a string", list: "a list", int: "an integer", dict: "an object"}


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of the checkpoint at ``path`` (the weights file), checked for the keys loading needs and their
    types; raises ``CheckpointError`` naming the file."""
    path = Path(path)
    man = manifest_path(path)
    if not man.is_file():
        raise CheckpointError(f"checkpoint {path}: manifest {man} is missing")
    try:
        manifest = json.loads(man.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"checkpoint {path}: manifest {man} is not valid JSON ({err})") from err
    except OSError as err:
        raise CheckpointError(f"checkpoint {path}: cannot read manifest {man} ({err.strerror})") from err
    if not isinstance(manifest, dict):
        raise CheckpointError(f"checkpoint {path}: manifest {man} holds {json.dumps(manifest)[:40]}, not an object")
    missing = [key for key in _MANIFEST_KEYS if key not in manifest]
    if missing:
        raise CheckpointError(f"checkpoint {path}: manifest {man} lacks {', '.join(missing)}")
    for key, types in _MANIFEST_KEYS.items():
        # NOTE: bool is an int in Python, never a node count.
        if not isinstance(manifest[key], types) or isinstance(manifest[key], bool):
            raise CheckpointError(
                f"checkpoint {path}: manifest {man} has {key} {json.dumps(manifest[key])[:40]}, "
                f"not {' or '.join(_JSON_NAMES[t] for t in types)}"
            )
    return manifest


def checkpoint_space(path: str | Path) -> SearchSpace[Any]:
    """The space the checkpoint at ``path`` was trained on, rebuilt from its manifest: the space registered under
    the manifest's name, with the manifest's op vocabulary where it differs from that space's default (as
    NAS-Bench-Graph's proteins ops do).

    Raises:
        CheckpointError: If the manifest is missing or broken, or names a space or ops latentnas does not have.
    """
    manifest = read_manifest(path)
    try:
        space = get_space(manifest["space"])
        ops = manifest.get("ops")
        if ops and tuple(ops) != space.ops:
            space = get_space(manifest["space"], ops=ops)
    except (LatentNASError, TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint {path}: {err}") from None
    return space


def load_checkpoint(path: str | Path, *, space: SearchSpace[Any] | None = None) -> tuple[GraphVAE, dict[str, Any]]:
    """Loads a checkpoint written by :func:`save_checkpoint`, in evaluation mode on the CPU.

    Checks, in order: the manifest exists and parses; if ``space`` is given, the manifest's space name, node
    vocabulary and node count equal the space's; the weights' sha256 equals the manifest's; the weights unpickle
    with ``torch.load(weights_only=True)`` (tensors only, no code); the state dict fits the configured model.

    Args:
        path: The weights file.
        space: The space the caller will use the VAE with.

    Returns:
        The VAE and its manifest.

    Raises:
        CheckpointError: Naming the file and what does not match.
    """
    path = Path(path)
    manifest = read_manifest(path)
    if space is not None:
        spec = space.graph_spec
        if manifest["space"] != space.name:
            raise CheckpointError(
                f"checkpoint {path} is for space '{manifest['space']}', not '{space.name}'"
            )
        if list(manifest["node_types"]) != list(spec.node_types) or manifest["num_nodes"] != spec.num_nodes:
            raise CheckpointError(
                f"checkpoint {path} has node vocabulary {manifest['node_types']} on {manifest['num_nodes']} nodes, "
                f"but space '{space.name}' has {list(spec.node_types)} on {spec.num_nodes} nodes"
            )
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path}: weights file is missing")
    try:
        digest = _sha256(path)
    except OSError as err:
        raise CheckpointError(f"checkpoint {path}: cannot read the weights ({err.strerror})") from err
    if digest != manifest["sha256"]:
        raise CheckpointError(
            f"checkpoint {path} is truncated or altered: sha256 {digest} differs from the manifest's {manifest['sha256']}"
        )
    try:
        with warnings.catch_warnings():  # torch warns about the pickle protocol of files it then refuses
            warnings.simplefilter("ignore", UserWarning)
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        # NOTE: torch's own message advises weights_only=False, which would run the file's code: never say that.
        raise CheckpointError(
            f"checkpoint {path} holds objects other than tensors (code or classes); refused: latentnas loads only "
            f"tensors"
        ) from err
    except Exception as err:  # a corrupt file makes torch raise RuntimeError, OSError, EOFError, ...: one line each
        raise CheckpointError(f"checkpoint {path} cannot be read as a state dict: {_reason(err)}") from err
    try:
        configs = VAEConfig.from_dict(manifest["configs"])
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint {path}: manifest configs are invalid ({err})") from err
    if not isinstance(state, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(state).__name__}, not a state dict")
    vae = build_vae(configs)
    try:
        vae.load_state_dict(state)
    except (AttributeError, RuntimeError, TypeError) as err:  # missing/unexpected keys, shapes, non-tensor values
        raise CheckpointError(f"checkpoint {path} does not fit its configs: {' '.join(str(err).split())}") from err
    return vae.eval(), manifest
