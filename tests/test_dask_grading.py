"""Grading a class on a Dask LocalCluster of worker processes: the same verdicts as the
local pool, and a worker killed mid-class loses nothing and writes no row twice."""

import os
import shutil
import signal

import pytest

from conftest import REPO
from grader.instructor.batch import SandboxPool, find_submissions, grade_class
from grader.instructor.gradebook import Gradebook
from test_batch import BANNED, CORRECT, UNBIASED, make_class

distributed = pytest.importorskip("distributed", reason="grading on Dask needs the `dask` extra")

HELDOUT = REPO / "benchmarks" / "solution_sets" / "heldout"


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        yield p


def _rows(book):
    return {(r["learner"], r["problem"]): (r["verdict"], r["score"], r["error_kind"], r["cases_passed"],
                                           (r["diagnosis"] or {}).get("name"), r["file"], r["sha256"])
            for r in book.rows()}


def _mixed_class(root):
    make_class(root, {"ada": {"layer_norm.py": CORRECT}, "bob": {"layer-norm.py": UNBIASED, "helpers.py": "X = 1\n"},
                      "cy": {"layer_norm.py": BANNED}, "dee": {"layer_norm.py": "def layer_norm(x, eps)\n"},
                      "eve": {"layer_norm.py": "from helpers import norm as layer_norm\n",
                              "helpers.py": CORRECT.replace("def layer_norm", "def norm")}})
    for i, path in enumerate(sorted((HELDOUT / "wrong" / "attention").glob("*.py"))[:3]
                             + sorted((HELDOUT / "correct" / "attention").glob("*.py"))[:2]):
        shutil.copy(path, root / ["ada", "bob", "cy", "dee", "eve"][i] / "attention.py")
    return root


def test_a_class_on_dask_gets_the_local_pools_verdicts(tmp_path, course, pool, client):
    from grader.instructor.dask_grading import DaskPool

    found = find_submissions(_mixed_class(tmp_path / "subs"), course)
    with Gradebook(tmp_path / "local.sqlite") as book:
        grade_class(course, found, book, pool, seed=2024)
        local = _rows(book)
    dask = DaskPool(client)
    assert dask.isolation() == pool.isolation()
    with Gradebook(tmp_path / "dask.sqlite") as book:
        summary = grade_class(course, found, book, dask, seed=2024)
        remote = _rows(book)
    assert summary.graded == 10 and summary.errors == 0
    assert remote == local
    assert remote[("bob", "layer-norm")][4] == "unbiased variance"  # a diagnosis came back, not only a score
    assert remote[("eve", "layer-norm")][0] == "passed"  # the learner's helper module travelled with the file


SLOW_CORRECT = "_ = sum(range(15_000_000))  # a slow import: the worker is busy when it is killed\n" + CORRECT


def test_a_worker_killed_mid_class_loses_nothing_and_writes_no_row_twice(tmp_path, course, pool, client):
    from grader.instructor.dask_grading import DaskPool

    root = make_class(tmp_path / "subs", {f"l{i:02d}": {"layer_norm.py": SLOW_CORRECT if i % 2 else UNBIASED}
                                          for i in range(12)})
    found = find_submissions(root, course)
    with Gradebook(tmp_path / "local.sqlite") as book:
        grade_class(course, found, book, pool, seed=77)
        local = _rows(book)

    pids = client.run(os.getpid)
    killed = {}

    def on_result(outcome, verdict):
        if not killed:  # after the first result: a worker in the middle of a file
            busy = {address: keys for address, keys in client.processing().items() if keys}
            address = sorted(busy)[0]
            os.kill(pids[address], signal.SIGKILL)
            killed[address] = (pids[address], list(busy[address]))

    writes = []
    with Gradebook(tmp_path / "dask.sqlite") as book:
        real = book.record
        book.record = lambda learner, problem, *a, **k: writes.append((learner, problem)) or real(learner, problem,
                                                                                                   *a, **k)
        summary = grade_class(course, found, book, DaskPool(client), seed=77, on_result=on_result)
        remote = _rows(book)
    assert killed, "no worker was killed"
    (pid, in_flight), = killed.values()
    assert in_flight  # it held work when it died: that work was graded elsewhere
    assert summary.graded == 12 and summary.errors == 0
    assert sorted(writes) == sorted(set(writes)) and len(writes) == 12  # every row once
    assert remote == local
    assert pid not in client.run(os.getpid).values()  # it really died (and was replaced)


def test_grader_grade_on_a_local_cluster(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    root = make_class(tmp_path / "subs", {"ada": {"layer_norm.py": CORRECT}, "bob": {"layer_norm.py": UNBIASED}})
    book_path = tmp_path / "book.sqlite"
    result = CliRunner().invoke(main, ["grade", str(root), "--local-cluster", "1", "--seed", "3",
                                       "--gradebook", str(book_path)])
    assert result.exit_code == 0, result.output
    assert "1 worker(s)" in result.output
    with Gradebook(book_path) as book:
        assert {(r["learner"], r["verdict"]) for r in book.rows()} == {("ada", "passed"), ("bob", "failed")}
