"""Every bad input a user can plausibly give the CLI: exactly one line on stderr, nothing on stdout, exit status 2,
no traceback, and the stored studies left as they were (a real search writes a SQLite file first; each bad command
runs against the same storage and the file's bytes must not change)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from latentnas.benchmarks import BENCHMARKS
from latentnas.cli import main
from latentnas.datasets import DATASETS
from latentnas.objectives.registry import OBJECTIVES
from latentnas.samplers import SAMPLERS, names_with
from latentnas.spaces import SPACES
from latentnas.study import PRUNERS
from latentnas_encoders.base import DECODER_KINDS, ENCODER_KINDS

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
LATENT_SAMPLERS = names_with("latent")
LATENT = ", ".join(LATENT_SAMPLERS)
TRANSFER = ", ".join(names_with("transfer"))


@dataclass(frozen=True)
class World:
    """A folder holding a stored study, checkpoints (good and broken), a file and an export."""

    root: Path
    url: str
    db: Path
    digest: str

    def argv(self, template: list[str]) -> list[str]:
        return [arg.format(dir=self.root, db=self.url) for arg in template]


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checkpoint(root: Path, name: str, *, weights: bytes | None = None, manifest: str | None = None,
                rehash: bool = True) -> None:
    """``root/name.pt`` and ``.json``: copies of ``good`` with the weights or the manifest replaced."""
    pt, man = root / f"{name}.pt", root / f"{name}.json"
    pt.write_bytes((root / "good.pt").read_bytes() if weights is None else weights)
    if manifest is not None:
        man.write_text(manifest)
        return
    data = json.loads((root / "good.json").read_text())
    if rehash:
        data["sha256"] = _sha256(pt)
    man.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from latentnas.spaces import get_space
    from latentnas.vae import build_vae, default_train_config, save_checkpoint

    root = tmp_path_factory.mktemp("bad-input")
    db = root / "runs.db"
    url = f"sqlite:///{db}"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["search", "--trials", "3", "--storage", url, "--quiet", "--json"]) == 0
        assert main(["export", "--space", "nasbench201", "--arch", ARCH, "--task", "image:3:10",
                     "--out", str(root / "export")]) == 0
    space = get_space("nasbench201")
    spec = space.graph_spec
    configs = default_train_config(space.name, latent_dim=2, hidden=4).vae_config(
        num_nodes=spec.num_nodes, num_types=spec.num_types)
    save_checkpoint(root / "good.pt", build_vae(configs), space=space, configs=configs)
    good = (root / "good.pt").read_bytes()
    _checkpoint(root, "five", manifest="5")
    _checkpoint(root, "null", manifest="null")
    _checkpoint(root, "notjson", manifest="{")
    _checkpoint(root, "truncated", weights=good[: len(good) // 2])
    _checkpoint(root, "altered", weights=good[:-1] + bytes([good[-1] ^ 1]), rehash=False)
    _checkpoint(root, "code", weights=pickle.dumps({"weights": _Payload()}))
    _checkpoint(root, "noweights")
    (root / "noweights.pt").unlink()
    (root / "afile").write_text("not a folder\n")
    (root / "folder.pt").mkdir()
    return World(root, url, db, _sha256(db))


S = ["search", "--storage", "{db}", "--trials", "3", "--quiet"]  # the stored study's command, less --json
STORED = "nasbench201-cifar10-random-seed0"  # the stored study's name
T = [*S, "--objective", "train", "--space", "nasbench201", "--dataset", "digits"]
E = ["export", "--space", "nasbench201", "--arch", ARCH]
P = ["pretrain", "--space", "nasbench201"]
LB = [*S, "--sampler", "latent-bo", "--checkpoint"]

CASES = [
    # unknown names, one per registry
    pytest.param([*S, "--benchmark", "nb201"], f"unknown benchmark 'nb201'; choices: {', '.join(BENCHMARKS)}",
                 id="unknown-benchmark"),
    pytest.param([*S, "--dataset", "mnist"],
                 "unknown dataset 'mnist' for benchmark 'nasbench201'; choices: cifar10, cifar100, imagenet16-120",
                 id="unknown-benchmark-dataset"),
    pytest.param([*S, "--fidelity", "5ep"], "unknown fidelity '5ep' for benchmark 'nasbench201'; choices: 12ep",
                 id="unknown-fidelity"),
    pytest.param([*S, "--sampler", "bo"], f"unknown sampler 'bo'; choices: {', '.join(SAMPLERS)}",
                 id="unknown-sampler"),
    pytest.param([*S, "--sampler", "bo", "--checkpoint", "x.pt"], f"unknown sampler 'bo'; choices: {', '.join(SAMPLERS)}",
                 id="unknown-sampler-before-checkpoint"),
    pytest.param([*S, "--objective", "train", "--space", "nb201", "--dataset", "digits"],
                 f"unknown space 'nb201'; choices: {', '.join(SPACES)}", id="unknown-space-train"),
    pytest.param([*S, "--objective", "train", "--space", "nasbench201", "--dataset", "mnist2"],
                 f"unknown dataset 'mnist2'; choices: {', '.join(DATASETS)}", id="unknown-dataset-train"),
    pytest.param(["pretrain", "--space", "nb201"], f"unknown space 'nb201'; choices: {', '.join(SPACES)}",
                 id="unknown-space-pretrain"),
    pytest.param([*P, "--encoder", "gat"], f"unknown encoder kind 'gat'; choices: {', '.join(ENCODER_KINDS)}",
                 id="unknown-encoder"),
    pytest.param([*P, "--decoder", "gru"], f"unknown decoder kind 'gru'; choices: {', '.join(DECODER_KINDS)}",
                 id="unknown-decoder"),
    pytest.param(["export", "--space", "nb201", "--arch", ARCH, "--task", "image:3:10", "--out", "{dir}/x"],
                 f"unknown space 'nb201'; choices: {', '.join(SPACES)}", id="unknown-space-export"),
    pytest.param([*E, "--task", "blob:3:10", "--out", "{dir}/x"], "unknown task kind 'blob'; choices: node, graph, image",
                 id="unknown-task-kind"),
    pytest.param([*E, "--dataset", "nope", "--out", "{dir}/x"], f"unknown dataset 'nope'; choices: {', '.join(DATASETS)}",
                 id="unknown-dataset-export"),
    pytest.param([*S, "--objective", "lookup"], f"unknown objective 'lookup'; choices: {', '.join(OBJECTIVES)}",
                 id="unknown-objective"),
    pytest.param([*S, "--objective", "zero-cost", "--space", "nasbench201", "--dataset", "digits", "--proxy", "flops"],
                 "unknown proxy 'flops'; choices: synflow, jacob_cov, snip, grad_norm", id="unknown-proxy"),
    pytest.param([*S, "--objective", "predictor", "--from-study", "nope"],
                 f"unknown study 'nope' to fit a predictor on; choices: {STORED}", id="unknown-predictor-study"),
    pytest.param([*S, "--pruner", "wilcoxon"], f"unknown pruner 'wilcoxon'; choices: {', '.join(PRUNERS)}",
                 id="unknown-pruner"),
    pytest.param([*S, "--space", "darts"],
                 "--space 'darts' does not match benchmark 'nasbench201', whose space is 'nasbench201'",
                 id="space-not-the-benchmarks"),
    pytest.param([*E, "--task", "image:3:10", "--arch", "|bogus|", "--out", "{dir}/x"],
                 "NB201 string '|bogus|' has 1 nodes, expected 3", id="bad-arch-string"),
    pytest.param([*E, "--task", "node:1433:7", "--out", "{dir}/x"],
                 "space 'nasbench201' builds networks for image tasks, got a 'node' task", id="task-the-space-lacks"),
    # bad numbers
    pytest.param([*S, "--trials", "0"], "argument --trials: expected a positive integer, got 0", id="trials-0"),
    pytest.param([*S, "--trials", "-3"], "argument --trials: expected a positive integer, got -3", id="trials-negative"),
    pytest.param([*S, "--trials", "ten"], "argument --trials: expected a positive integer, got 'ten'", id="trials-word"),
    pytest.param([*S, "--seed", "1.5"], "argument --seed: invalid int value: '1.5'", id="seed-float"),
    pytest.param([*S, "--threads", "0"], "argument --threads: expected a positive integer, got 0", id="threads-0"),
    pytest.param([*T, "--epochs", "0"], "argument --epochs: expected a positive integer, got 0", id="epochs-0"),
    pytest.param([*P, "--latent-dim", "0"], "argument --latent-dim: expected a positive integer, got 0",
                 id="latent-dim-0"),
    pytest.param(["pretrain", "--space", "darts", "--samples", "1"], "argument --samples: expected an integer >= 2, got 1",
                 id="samples-1"),
    pytest.param(["encoder-info", "{dir}/good.pt", "--samples", "0"],
                 "argument --samples: expected an integer >= 2, got 0", id="encoder-info-samples-0"),
    pytest.param([*E, "--task", "image:3", "--out", "{dir}/x"],
                 "--task must be KIND:IN_CHANNELS:NUM_CLASSES, e.g. node:1433:7, got 'image:3'", id="task-two-parts"),
    pytest.param([*E, "--task", "image:x:10", "--out", "{dir}/x"],
                 "--task must be KIND:IN_CHANNELS:NUM_CLASSES, e.g. node:1433:7, got 'image:x:10'", id="task-word"),
    pytest.param([*E, "--task", "image:3:1", "--out", "{dir}/x"], "num_classes must be at least 2, got 1",
                 id="task-one-class"),
    # options that do not apply to the chosen sampler or objective
    *[pytest.param([*S, "--sampler", name, "--checkpoint", "{dir}/good.pt"],
                   f"--checkpoint applies to latent samplers ({LATENT}), not '{name}'", id=f"checkpoint-{name}")
      for name in SAMPLERS if name not in LATENT_SAMPLERS],
    *[pytest.param([*S, "--sampler", name, "--transfer"], f"--transfer applies to {TRANSFER}, not '{name}'",
                   id=f"transfer-{name}") for name in SAMPLERS if name not in names_with("transfer")],
    pytest.param([*S, "--epochs", "3"],
                 "--epochs applies only with --objective train (--objective benchmark looks up a table)",
                 id="epochs-benchmark"),
    pytest.param([*T, "--device", "tpu"], "unknown device 'tpu'; choices: cpu, cuda, cuda:N, mps", id="unknown-device"),
    *([pytest.param([*T, "--device", "cuda"],
                    f"device 'cuda': torch {torch.__version__} sees no CUDA device here; use cpu",
                    id="device-not-there")] if not torch.cuda.is_available() else []),
    pytest.param([*S, "--device", "cpu"],
                 "--device applies only with --objective train or zero-cost (--objective benchmark looks up a table)",
                 id="device-benchmark"),
    pytest.param([*S, "--no-amp"],
                 "--amp applies only with --objective train (--objective benchmark looks up a table)",
                 id="amp-benchmark"),
    pytest.param([*E, "--dataset", "digits", "--device", "cpu", "--out", "{dir}/x"],
                 "--device applies only with --epochs (training before the export)", id="export-device-without-epochs"),
    pytest.param([*S, "--data-root", "{dir}"],
                 "--data-root applies only with --objective train or zero-cost (--objective benchmark looks up a table)",
                 id="data-root-benchmark"),
    pytest.param([*S, "--pruner", "median", "--fidelity", "12ep"],
                 "--fidelity applies only without --pruner (a pruner goes through every column of the table, "
                 "cheapest first)", id="pruner-fidelity"),
    pytest.param([*T, "--fidelity", "12ep"],
                 "--fidelity applies only with --objective benchmark (--objective train trains on --dataset)",
                 id="fidelity-train"),
    pytest.param([*T, "--benchmark", "nasbench201"],
                 "--benchmark applies only with --objective benchmark (--objective train trains on --dataset)",
                 id="benchmark-train"),
    pytest.param([*S, "--objective", "train", "--dataset", "digits"],
                 "--objective train needs --space (nasbench-graph for graph data; an image space for images)",
                 id="train-without-space"),
    pytest.param([*S, "--objective", "zero-cost", "--dataset", "digits"],
                 "--objective zero-cost needs --space (nasbench-graph for graph data; an image space for images)",
                 id="zero-cost-without-space"),
    pytest.param([*S, "--objective", "predictor"], "--objective predictor needs --from-study NAME",
                 id="predictor-without-study"),
    pytest.param([*S, "--proxy", "snip"],
                 "--proxy applies only with --objective zero-cost (--objective benchmark looks up a table)",
                 id="proxy-benchmark"),
    pytest.param([*S, "--objective", "predictor", "--from-study", STORED, "--dataset", "cora"],
                 "--dataset applies only with --objective benchmark, train or zero-cost (--objective predictor "
                 "scores by a predictor fitted on --from-study)", id="dataset-predictor"),
    pytest.param([*E, "--task", "image:3:10", "--dataset", "digits", "--out", "{dir}/x"],
                 "--task and --dataset (or --data) both give the task; pass one of them", id="task-and-dataset"),
    pytest.param([*E, "--task", "image:3:10", "--epochs", "2", "--out", "{dir}/x"], "--epochs applies only with --dataset",
                 id="export-epochs-without-dataset"),
    pytest.param([*E, "--out", "{dir}/x"],
                 "export needs --task KIND:IN_CHANNELS:NUM_CLASSES, --dataset NAME or --data PATH",
                 id="export-without-task"),
    pytest.param([*P, "--samples", "100"], "--samples applies to infinite spaces; 'nasbench201' is enumerated",
                 id="samples-finite-space"),
    # missing or broken checkpoints, for a latent sampler and for encoder-info
    pytest.param([*LB, "{dir}/missing.pt"], "checkpoint {dir}/missing.pt: manifest {dir}/missing.json is missing",
                 id="checkpoint-missing"),
    pytest.param([*LB, "{dir}/five.pt"], "checkpoint {dir}/five.pt: manifest {dir}/five.json holds 5, not an object",
                 id="manifest-5"),
    pytest.param([*LB, "{dir}/null.pt"], "checkpoint {dir}/null.pt: manifest {dir}/null.json holds null, not an object",
                 id="manifest-null"),
    pytest.param([*LB, "{dir}/notjson.pt"], "checkpoint {dir}/notjson.pt: manifest {dir}/notjson.json is not valid JSON",
                 id="manifest-not-json"),
    pytest.param([*LB, "{dir}/truncated.pt"], "checkpoint {dir}/truncated.pt cannot be read as a state dict: ",
                 id="truncated-matching-sha256"),
    pytest.param([*LB, "{dir}/altered.pt"], "checkpoint {dir}/altered.pt is truncated or altered: sha256",
                 id="altered-weights"),
    pytest.param([*LB, "{dir}/code.pt"], "checkpoint {dir}/code.pt holds objects other than tensors (code or classes); "
                 "refused: latentnas loads only tensors", id="pickled-code"),
    pytest.param([*LB, "{dir}/noweights.pt"], "checkpoint {dir}/noweights.pt: weights file is missing",
                 id="weights-missing"),
    pytest.param(["encoder-info", "{dir}/five.pt"], "checkpoint {dir}/five.pt: manifest {dir}/five.json holds 5, "
                 "not an object", id="encoder-info-manifest-5"),
    pytest.param(["encoder-info", "{dir}/null.pt"], "checkpoint {dir}/null.pt: manifest {dir}/null.json holds null, "
                 "not an object", id="encoder-info-manifest-null"),
    pytest.param(["encoder-info", "{dir}/truncated.pt"], "checkpoint {dir}/truncated.pt cannot be read as a state dict: ",
                 id="encoder-info-truncated"),
    pytest.param(["encoder-info", "{dir}/code.pt"], "checkpoint {dir}/code.pt holds objects other than tensors",
                 id="encoder-info-pickled-code"),
    # output paths
    pytest.param([*E, "--task", "image:3:10", "--out", "{dir}/afile"],
                 "{dir}/afile is a file; an export is a folder (model.py, weights.pt, arch.json)", id="export-onto-file"),
    pytest.param([*E, "--task", "image:3:10", "--out", "{dir}/afile/net"],
                 "cannot create the export folder {dir}/afile/net: Not a directory", id="export-under-file"),
    pytest.param([*E, "--task", "image:3:10", "--out", "{dir}/export"],
                 "{dir}/export already holds an export; pass --force to replace it", id="export-exists"),
    pytest.param([*P, "--out", "{dir}/vae.json"], "--out must end in .pt (the manifest goes beside it as .json), got "
                 "{dir}/vae.json", id="pretrain-out-json"),
    pytest.param([*P, "--out", "{dir}/good.pt"], "--out {dir}/good.pt exists; pass --force to replace it",
                 id="pretrain-out-exists"),
    pytest.param([*P, "--out", "{dir}/folder.pt"], "--out {dir}/folder.pt is a folder; give the path of a .pt file",
                 id="pretrain-out-folder"),
    pytest.param([*P, "--out", "{dir}/afile/vae.pt"], "--out {dir}/afile/vae.pt: cannot create its folder",
                 id="pretrain-out-under-file"),
    # storages
    pytest.param([*S[:1], "--storage", "nosuchdb://x"], "cannot open storage 'nosuchdb://x'", id="bad-storage-url"),
    pytest.param(["studies", "--storage", "sqlite:///{dir}/none.db"], "no storage at 'sqlite:///{dir}/none.db'",
                 id="studies-no-storage"),
    # resuming the stored study with another dataset or sampler
    pytest.param([*S, "--study", STORED, "--dataset", "cifar100"], f"study '{STORED}' ", id="resume-other-dataset"),
    pytest.param([*S, "--study", STORED, "--sampler", "evolution"], f"study '{STORED}' ", id="resume-other-sampler"),
    # argparse's own errors
    pytest.param(["serach"], "argument COMMAND: invalid choice: 'serach'", id="unknown-command"),
    pytest.param([*S, "--trails", "3"], "unrecognized arguments: --trails 3", id="unknown-option"),
    pytest.param(["export", "--space", "nasbench201"], "the following arguments are required: --arch, --out",
                 id="missing-required"),
    pytest.param([*S, "--trials"], "argument --trials: expected one argument", id="missing-value"),
    pytest.param([], "the following arguments are required: COMMAND", id="no-command"),
]


@pytest.mark.parametrize(("template", "message"), CASES)
def test_bad_input_is_one_line_exit_2_and_leaves_the_storage_alone(
    world: World, capsys: pytest.CaptureFixture[str], template: list[str], message: str
) -> None:
    code = main(world.argv(template))
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err
    assert message.format(dir=world.root) in err
    assert "weights_only" not in err
    assert _sha256(world.db) == world.digest


def test_the_table_covers_every_sampler_that_takes_no_checkpoint() -> None:
    ids = {case.id for case in CASES}
    assert {f"checkpoint-{name}" for name in SAMPLERS if name not in LATENT_SAMPLERS} <= ids
    assert len(CASES) == len(ids)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param([*S, "--sampler", "evolution", "--checkpoint", "{dir}/good.pt"],
                     f"latentnas search: error: --checkpoint applies to latent samplers ({LATENT}), not 'evolution'\n",
                     id="checkpoint-evolution"),
        # torch warns about the pickle protocol on its way to refusing the file: no warning may reach stderr.
        pytest.param(["encoder-info", "{dir}/code.pt"],
                     "latentnas encoder-info: error: checkpoint {dir}/code.pt holds objects other than tensors (code or "
                     "classes); refused: latentnas loads only tensors\n", id="pickled-code"),
    ],
)
def test_a_real_process_prints_only_the_line(world: World, template: list[str], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}  # Python's default filters, as a user has
    done = subprocess.run([sys.executable, "-m", "latentnas.cli", *world.argv(template)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", message.format(dir=world.root))
    assert _sha256(world.db) == world.digest


def test_debug_shows_the_traceback(world: World) -> None:
    from latentnas.errors import CheckpointError

    with pytest.raises(CheckpointError, match="holds 5, not an object"):
        main(["--debug", *world.argv(["encoder-info", "{dir}/five.pt"])])


def test_the_stored_study_is_still_usable(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(world.db, world.root / "copy.db")
    assert main(["studies", "--storage", f"sqlite:///{world.root / 'copy.db'}", "--json"]) == 0
    studies = json.loads(capsys.readouterr().out)["studies"]
    assert [(s["study"], s["unique_evaluations"]) for s in studies] == [(STORED, 3)]
