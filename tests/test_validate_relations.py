"""validate's "relations" check: a bound written in the texts against the reference's own."""

import torch

from grader.instructor.relation_check import check_relations, reference_relations, text_relations
from grader.instructor.statement_text import Snippet, Where


def window_softmax(scores, window):
    T = scores.shape[-1]
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    visible = (j <= i) & (i - j < window)
    return torch.softmax(scores.masked_fill(~visible, float("-inf")), dim=-1)


def lines(*texts):
    return [Snippet("stub.py", n, t, Where.LINE) for n, t in enumerate(texts, 1)]


def test_the_reference_relations_and_their_parts_are_read():
    assert set(reference_relations(window_softmax)) == {frozenset("ij"), frozenset({"i", "j", "window"})}


def test_a_bound_one_key_too_wide_in_words_is_reported_with_its_line():
    found = check_relations(lines("nothing here", "query i sees the keys j with i - window <= j <= i (itself"),
                            window_softmax)
    assert [(c.snippet.line, c.relation) for c in found] == [(2, "i - window <= j <= i")]
    assert found[0].reference == "(j <= i) & (i - j < window)"


def test_the_same_bound_written_otherwise_or_in_part_or_negated_agrees():
    texts = ("keys j with i - window < j <= i", "`j > i - window` and `j <= i`", "a key is hidden when j > i",
             "j ≥ i − window + 1", "i - j < window")
    assert check_relations(lines(*texts), window_softmax) == []


def test_names_the_reference_does_not_relate_are_not_judged():
    # `window >= T` speaks of other things; `1 <= k <= V` of names the reference never relates.
    assert check_relations(lines("With window >= T this is causal attention", "1 <= k <= V"), window_softmax) == []


def test_calls_and_attributes_around_a_relation_are_not_read_as_part_of_it():
    # (`top-k <= V` is read, as names the reference never relates: skipped by the check.)
    assert [s for s, _ in text_relations("if top-k <= V, call f(i) < 3 or x.i < 2 and i < j.")] == ["top-k <= V", "i < j"]
