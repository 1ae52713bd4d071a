"""A float32 step inside a float64 computation told apart from a formula slightly off
(grader/verdict/precision.py, nudge_experiment): the sizes of the errors cannot, moving every
float64 input by 2^-32 of its size can (a float32 step does not see the move; a formula
with a constant a little off follows it). Learner files in this file's own words."""

from __future__ import annotations

from grader.evidence.finding import Confidence

GELU_TANH_IN_FLOAT32 = """
import math
import torch

def gelu(x):
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    squashed = torch.tanh(inner.to(torch.float32)).to(x.dtype)  # 'tanh is faster in float32'
    return 0.5 * x * (1.0 + squashed)
"""

LAYER_NORM_MEAN_IN_FLOAT32 = """
import torch

def layer_norm(x, eps=1e-5):
    mean = x.float().mean(-1, keepdim=True).to(x.dtype)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdim=True)
    return centred / torch.sqrt(var + eps)
"""

GELU_CONSTANT_ROUNDED = """
import torch

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978846 * (x + 0.044715 * x.pow(3))))
"""


def test_a_tanh_taken_in_float32_is_proven_a_float32_step(grade):
    report = grade("gelu", GELU_TANH_IN_FLOAT32)
    d = report.diagnosis
    assert not report.passed and d is not None
    assert d["name"] == "part of your float64 computation runs in float32 precision (or lower)", d
    assert d["confidence"] == Confidence.PROVEN.value
    assert "2^-32" in d["explanation"]


def test_a_mean_taken_in_float32_is_proven_a_float32_step(grade):
    report = grade("layer-norm", LAYER_NORM_MEAN_IN_FLOAT32)
    d = report.diagnosis
    assert not report.passed and d is not None
    assert "runs in float32 precision" in d["name"], d


def test_a_rounded_constant_follows_the_move_and_is_not_called_float32(grade):
    report = grade("gelu", GELU_CONSTANT_ROUNDED)
    d = report.diagnosis
    assert not report.passed and d is not None
    assert "float32 precision" not in d["name"] and "computed in float32" not in d["explanation"], d
    assert "no step loses precision" in d["name"], d
    assert d["confidence"] == Confidence.CONSISTENT.value
