"""torch_threads: the block runs on the chosen thread count, and the caller's count comes back, on errors too."""

from __future__ import annotations

import pytest
import torch

from latentnas.samplers import torch_threads


def test_torch_threads_restores_the_callers_count() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with torch_threads(1):
            inside = torch.get_num_threads()
        with torch_threads(None):
            untouched = torch.get_num_threads()
        with pytest.raises(RuntimeError), torch_threads(1):
            raise RuntimeError("restored on errors too")
        after = torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
    assert (inside, untouched, after) == (1, 2, 2)
