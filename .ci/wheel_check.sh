#!/usr/bin/env bash
# Installed is the same as cloned: build the wheel, install it into a fresh venv outside the checkout (torch 2.13.0
# CPU first, then the wheel with its dependencies from the same index), and run the main job from another folder.
#   .ci/wheel_check.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quiet() { "$@" 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'; }  # this machine's extra index
quiet "$python" -m pip wheel . --no-deps --quiet -w "$work/dist"
"$python" -m venv "$work/venv"  # NOTE: no --system-site-packages: every dependency must come from the wheel's metadata
pip="$work/venv/bin/python -m pip"
quiet $pip install --quiet torch==2.13.0
quiet $pip install --quiet "$work"/dist/latentnas-*.whl
"$work/venv/bin/python" -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
mkdir "$work/elsewhere"
cd "$work/elsewhere"
export LATENTNAS_HOME="$work/home"
"$work/venv/bin/latentnas" search --benchmark nasbench201 --dataset cifar10 --sampler latent-bo --trials 25 --seed 0 \
    --json --threads 1 --storage "sqlite:///$work/x.db" > search.json
"$work/venv/bin/python" - search.json <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
assert result["unique_evaluations"] == 25, result
print(f"wheel: latent-bo on NB201 cifar10, 25 architectures: best test {result['best_test']}, study {result['study']}")
PY
checkpoint=$("$work/venv/bin/python" -c "from latentnas.vae.checkpoint import default_checkpoint; print(default_checkpoint('nasbench201'))")
case $checkpoint in "$work"/venv/*) ;; *) echo "shipped checkpoint outside the installed package: $checkpoint" >&2; exit 1;; esac
"$work/venv/bin/latentnas" encoder-info "$checkpoint" --threads 1 --samples 2000
