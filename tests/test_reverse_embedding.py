"""reverse-embedding: the reference ties for real; correct styles pass; a copy, a new
parameter, a bias and a detached weight fail with the message that says which; wrong
outputs are named."""

import pytest
import torch
from torch import nn

from conftest import failing_messages
from grader.verdict.inprocess import judge_in_process


def _judged(problem, entry):
    return judge_in_process(problem, entry)


def test_reference_is_tied(course):
    ref = course.get("reverse-embedding").reference
    emb = nn.Embedding(7, 3)
    head = ref.ReverseEmbedding(emb)
    assert all(p is emb.weight for p in head.parameters())
    h = torch.randn(2, 3)
    with torch.no_grad():
        emb.weight.mul_(2)
    torch.testing.assert_close(head(h), h @ emb.weight.T, atol=0, rtol=0)
    assert len(list(nn.ModuleList([emb, head]).parameters())) == 1


def test_expected_gradient_is_the_sum_of_both_uses(course):
    ref = course.get("reverse-embedding").reference
    inputs = ref.cases(0)[0].pristine_inputs()
    emb = nn.Embedding.from_pretrained(inputs["weight"] + inputs["delta"], freeze=False)
    head = nn.Linear(16, 50, bias=False)
    head.weight = emb.weight
    ((head(emb(inputs["ids"]) @ inputs["mix"])) * inputs["grad_out"]).sum().backward()
    both, embedding_only = ref.expected_uses(inputs)
    torch.testing.assert_close(emb.weight.grad, both, atol=1e-5, rtol=1e-5)
    assert (both - embedding_only).abs().max() > 1.0  # the head's share is large enough to see


def test_reference_passes_its_own_probe_and_judge(course):
    problem = course.get("reverse-embedding")
    ref = problem.reference
    for name, verdicts in _judged(problem, ref.ReverseEmbedding).items():
        assert all(v.passed for v in verdicts), (name, [v.message for v in verdicts if not v.passed])


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("reverse-embedding", course.get("reverse-embedding").stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


CORRECT = {
    "submodule": """
        from torch import nn
        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding):
                super().__init__()
                self.embedding = embedding
            def forward(self, hidden):
                return hidden @ self.embedding.weight.T
    """,
    "the Parameter itself, F.linear": """
        import torch.nn.functional as F
        from torch import nn
        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding):
                super().__init__()
                self.weight = embedding.weight
            def forward(self, hidden):
                return F.linear(hidden, self.weight)
    """,
    "nn.Linear with the weight replaced": """
        from torch import nn
        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding):
                super().__init__()
                V, d = embedding.weight.shape
                self.proj = nn.Linear(d, V, bias=False)
                self.proj.weight = embedding.weight
            def forward(self, hidden):
                return self.proj(hidden)
    """,
    "no parameters exposed": """
        import torch
        from torch import nn
        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding):
                super().__init__()
                self._tied = [embedding]  # a plain list: not registered, nothing exposed
            def forward(self, hidden):
                return torch.einsum('...d,vd->...v', hidden, self._tied[0].weight)
    """,
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("reverse-embedding", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


def holding(init_line, forward="hidden @ self.weight.T"):
    return f"""
        import torch
        from torch import nn
        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding):
                super().__init__()
                {init_line}
            def forward(self, hidden):
                return {forward}
    """


NOT_TIED = {  # source, the words the first failing message must contain
    "a cloned tensor": (holding("self.weight = embedding.weight.clone()"),
                        "the head owns a copy of the weight: changing the embedding did not change the head"),
    "a new Parameter from a clone": (holding("self.weight = nn.Parameter(embedding.weight.clone())"),
                                     "registers its own parameter `weight` of shape (V, d), a new tensor"),
    "a new Parameter over the same memory": (holding("self.weight = nn.Parameter(embedding.weight.data)"),
                                             "shares the embedding's memory but is a different Parameter object"),
    "a detached weight": (holding("self.weight = embedding.weight.detach()"),
                          "no gradient reached the embedding through the head: the weight was cut out of autograd"),
    "nn.Linear with a bias": (holding("self.proj = nn.Linear(embedding.weight.shape[1], embedding.weight.shape[0])"
                                      "; self.proj.weight = embedding.weight", "self.proj(hidden)"),
                              "registers its own parameter `proj.bias` of shape (V,)"),
}


# What the evidence layer (problems/reverse-embedding/properties.py) names from the probe's facts.
NOT_TIED_NAMED = {"a cloned tensor": "keeps a copy of the weight", "a new Parameter from a clone": "a copy of the weight",
                  "a new Parameter over the same memory": "second Parameter", "a detached weight": "cut out of autograd",
                  "nn.Linear with a bias": "has a bias"}


@pytest.mark.parametrize("how", NOT_TIED)
def test_untied_heads_fail_with_the_reason(grade, how):
    source, words = NOT_TIED[how]
    report = grade("reverse-embedding", source)
    assert not report.passed
    d = report.diagnosis
    assert d and d["evidence"] == "property" and NOT_TIED_NAMED[how] in d["name"], d
    first = report.cases[0]
    words = words.replace("(V, d)", "(50, 16)").replace("(V,)", "(50,)")
    assert words in first.message, first.message


NAMED = {
    "weight used without transposing": holding("self.weight = embedding.weight", "hidden @ self.weight"),
    "scaled by 1/sqrt(d_model)": holding("self.embedding = embedding",
                                         "hidden @ self.embedding.weight.T * hidden.shape[-1] ** -0.5"),
    "softmax applied": holding("self.embedding = embedding", "(hidden @ self.embedding.weight.T).softmax(-1)"),
    "log-softmax applied": holding("self.embedding = embedding",
                                   "torch.log_softmax(hidden @ self.embedding.weight.T, dim=-1)"),
}


@pytest.mark.parametrize("mistake", NAMED)
def test_wrong_outputs_fail_and_are_named(grade, mistake):
    report = grade("reverse-embedding", NAMED[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake


def test_not_a_module_fails_with_a_message(grade):
    report = grade("reverse-embedding", """
        class ReverseEmbedding:
            def __init__(self, embedding):
                self.w = embedding.weight
            def __call__(self, hidden):
                return hidden @ self.w.T
    """)
    assert not report.passed
    assert "must subclass torch.nn.Module" in report.cases[0].message
