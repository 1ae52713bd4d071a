"""The reference's ablation stages are kept on disk per reference hash and seed: a model
problem's stages take seconds to make (kv-cache's about 18 s of CPU), the same for every
failing check of a seed and every learner of a class."""

from __future__ import annotations

import torch

from grader.course.loader import Course
from grader.evidence.ablation import stage_to_plain
from grader.verdict.sources import source_for


def same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and \
            torch.equal(torch.nan_to_num(a), torch.nan_to_num(b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def test_stages_are_made_once_then_read_back_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path))
    problem = Course().get("transformer-block")
    made = source_for(problem).ablation_stages(7)
    assert made and list(tmp_path.rglob("*stages-7*")), "nothing kept on disk"

    def no_second_making(seed):
        raise AssertionError("the stages were made again")

    monkeypatch.setattr(problem.reference, "ablations", no_second_making)
    read = source_for(problem).ablation_stages(7)
    assert same([stage_to_plain(s) for s in made], [stage_to_plain(s) for s in read])
    assert [s.name for s in read] == [s.name for s in made]


def test_another_seed_is_made_afresh(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path))
    problem = Course().get("transformer-block")
    source_for(problem).ablation_stages(7)
    calls = []
    real = problem.reference.ablations
    monkeypatch.setattr(problem.reference, "ablations", lambda seed: calls.append(seed) or real(seed))
    source_for(problem).ablation_stages(8)
    assert calls == [8]
