"""Code in the statement that defines the entry point, run as a correct formulation.

A fenced block without `>>>` that defines `def <entry>(...)` with a body (not only a
signature, `...`, `pass` or `raise NotImplementedError`) is code the statement presents
as the thing to write. Judged like a learner's file on the cases (in-process, trusted
author code), a block that fails cases the reference passes contradicts the reference.

It is a warning, not an error: a statement may show a naive version on purpose ("this
overflows for large logits").
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

import torch

from ..course.cases import Case
from ..course.loader import Problem
from .calibration import CaseFailure, failures
from .statement_text import Snippet, Where


@dataclass(frozen=True)
class BlockFailure:
    snippet: Snippet
    failed: list[CaseFailure]
    total: int


def _has_body(fn: ast.FunctionDef) -> bool:
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body:
        return False
    if len(body) == 1 and isinstance(body[0], (ast.Pass, ast.Raise)):
        return False
    return True


def defining_blocks(snippets: list[Snippet], entry: str) -> list[Snippet]:
    out = []
    for s in snippets:
        if s.where is not Where.BLOCK or f"def {entry}" not in s.text:
            continue
        try:
            tree = ast.parse(s.text)
        except SyntaxError:
            continue
        if any(isinstance(n, ast.FunctionDef) and n.name == entry and _has_body(n) for n in tree.body):
            out.append(s)
    return out


def check_blocks(problem: Problem, snippets: list[Snippet], cases: list[Case]) -> list[BlockFailure]:
    out = []
    for snippet in defining_blocks(snippets, problem.entry):
        scope = {"torch": torch, "math": math, "F": torch.nn.functional, "nn": torch.nn}
        try:
            exec(compile(snippet.text, snippet.file, "exec"), scope)
        except Exception:
            continue  # it needs what the statement only describes: not judged
        failed = failures(problem, scope[problem.entry], cases)
        if failed:
            out.append(BlockFailure(snippet, failed, len(cases)))
    return out
