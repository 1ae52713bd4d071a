"""torch on one thread for the grader's own computations on small tensors (references,
known mistakes, variants, fits): one thread is many times faster there than a pool
fighting the confined children for this machine's cores."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def one_torch_thread():
    """torch on one thread while inside; the caller's setting comes back."""
    import torch

    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
