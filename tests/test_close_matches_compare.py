"""The catalogue's quiet `close` (one isclose kernel) answers exactly as compare_tensors'
`passed` does (the judge's own comparison), on the values where they could part: the same
or opposite infinities, NaN against NaN and against numbers, huge values whose difference
overflows, zero tolerances, half precisions."""

from __future__ import annotations

import pytest
import torch

from grader.evidence.compare import close, compare_tensors

SPECIALS = torch.tensor([0.0, -0.0, 1.0, -1.0, 1e-8, 1e-3, float("inf"), float("-inf"), float("nan"),
                         1e308, -1e308, 3.4e38], dtype=torch.float64)
TOLERANCES = ((1e-5, 1e-4), (0.0, 0.0), (1e-3, 0.0), (0.0, 1e-2))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_close_is_compare_tensors_passed(dtype):
    g = torch.Generator().manual_seed(0)
    agreed = parted = 0
    for trial in range(600):
        if trial % 3:
            expected = SPECIALS[torch.randint(len(SPECIALS), (5,), generator=g)].to(dtype)
        else:
            expected = torch.randn(5, generator=g).to(dtype)
        pick = torch.rand(5, generator=g)
        near = expected + (torch.randn(5, generator=g) * 1e-4).to(dtype)
        other = SPECIALS[torch.randint(len(SPECIALS), (5,), generator=g)].to(dtype)
        actual = torch.where(pick < 0.3, expected, torch.where(pick < 0.6, near, other))
        for atol, rtol in TOLERANCES:
            passed = compare_tensors(expected, actual, atol, rtol).passed
            assert close(expected, actual, atol, rtol) == passed, (expected, actual, atol, rtol)
            agreed += passed
            parted += not passed
    assert agreed > 100 and parted > 100  # both answers were put to the test


def test_close_refuses_what_compare_refuses():
    x = torch.ones(3)
    assert not close(x, x.double(), 1e-5, 1e-5)  # another dtype
    assert not close(x, torch.ones(4), 1e-5, 1e-5)  # another shape
    assert not close(x, [1.0, 1.0, 1.0], 1e-5, 1e-5)  # not a tensor
    assert close(torch.zeros(0), torch.zeros(0), 0.0, 0.0)
