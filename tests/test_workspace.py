"""The workspace keeps the learner's work: init never overwrites a changed file."""

from grader.course.workspace import Workspace


def test_init_keeps_changed_files_and_refreshes_untouched_ones(tmp_path, course):
    ws = Workspace(tmp_path)
    ws.init(course)
    mine = tmp_path / "layer_norm.py"
    mine.write_text("def layer_norm(x, eps=1e-5):\n    return x  # my work\n")
    actions = dict(ws.init(course))
    assert actions["layer_norm.py"].startswith("kept")
    assert "my work" in mine.read_text()


def test_status_moves_from_untouched_to_started(tmp_path, course):
    ws = Workspace(tmp_path)
    ws.init(course)
    problem = course.get("layer-norm")
    assert ws.status(problem)["status"] == "untouched"
    ws.file_for(problem).write_text("def layer_norm(x, eps=1e-5):\n    return x\n")
    assert ws.status(problem)["status"] == "started"


def test_hints_advance_and_stop_at_the_last(tmp_path, course):
    ws = Workspace(tmp_path)
    ws.init(course)
    problem = course.get("layer-norm")
    seen = [ws.next_hint(problem)[0] for _ in range(len(problem.hints) + 2)]
    assert seen == list(range(1, len(problem.hints) + 1)) + [len(problem.hints)] * 2


def test_hints_can_be_reread_by_number_or_all_at_once(tmp_path, course):
    ws = Workspace(tmp_path)
    ws.init(course)
    problem = course.get("layer-norm")
    total = len(problem.hints)
    assert ws.hint(problem, 2) == (2, problem.hints[1], total, False)
    assert ws.next_hint(problem).number == 3  # asking for hint 2 counted hint 1 and 2 as shown
    assert [h.text for h in ws.all_hints(problem)] == problem.hints
    past = ws.next_hint(problem)
    assert past.past_the_end and past.is_last and past.number == total


def test_statements_point_at_no_grader_file_the_workspace_lacks(tmp_path, course):
    ws = Workspace(tmp_path)
    ws.init(course)
    have = {p.name for p in tmp_path.glob("*.py")}
    for problem in course:
        statement = problem.statement_path.read_text()
        for name in ("probe.py", "judge.py", "problem.toml", "fixtures.pt"):
            assert name not in statement or name in have, (problem.slug, name)
