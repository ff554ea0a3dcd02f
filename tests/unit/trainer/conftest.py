"""Fixtures shared by the trainer's unit tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for the module: the tests' matmuls are tiny, and on a shared 2-core machine
    a second thread only contends (it can make them 100x slower)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
