"""Loading an export (``model.py`` and ``weights.pt``) as a user would: plain Python and torch, no latentnas."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import torch
from torch import nn


def load_exported(folder: Path, name: str) -> nn.Module:
    """The network exported under ``folder``, its module imported as ``name``, weights loaded, in eval mode."""
    spec = importlib.util.spec_from_file_location(name, folder / "model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    model = module.build_model()
    model.load_state_dict(torch.load(folder / "weights.pt", weights_only=True))
    return model.eval()
