"""The package's layout (docs/architecture.md): wings whose imports only go down, checked by
import-linter (`lint-imports`, run by the README's test command), and tools/relayout.py,
which moved the flat package into them and must stay re-runnable."""
import ast
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GRADER = REPO / "grader"
LINT_IMPORTS = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or shutil.which("lint-imports")
STARTS_A_PROCESS = {"fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp",
                    "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe",
                    "spawnv", "spawnve", "spawnvp", "spawnvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe"}


def lint_copy(tmp_path: Path, edit: tuple[str, str]) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the package with one line appended to one module."""
    shutil.copytree(GRADER, tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__", "course_data"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    module, line = edit
    path = tmp_path / "grader" / module
    path.write_text(path.read_text() + f"\n{line}\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is in the test extra")
@pytest.mark.parametrize("edit, contract, named", [
    (("sandbox/wire.py", "from ..verdict import runner  # wrong way"),
     "Imports go down the wings", "grader.sandbox.wire -> grader.verdict.runner"),
    (("course/cases.py", "from ..evidence import compare  # wrong way"),
     "Imports go down the wings", "grader.course.cases -> grader.evidence.compare"),
    (("verdict/report.py", "import subprocess  # a child started outside the sandbox wing"),
     "Nothing outside the sandbox wing starts a child", "grader.verdict.report -> subprocess"),
    (("sandbox/child.py", "from ..course import loader  # the course inside the sandbox"),
     "Nothing inside the sandbox wing imports the course", "grader.sandbox.child -> grader.course.loader"),
])
def test_a_wrong_way_import_breaks_the_contract_and_is_named(tmp_path, edit, contract, named):
    done = lint_copy(tmp_path, edit)
    assert done.returncode != 0, done.stdout
    assert f"{contract}" in done.stdout and "BROKEN" in done.stdout, done.stdout
    assert named in done.stdout, done.stdout


def test_only_the_sandbox_wing_starts_processes():
    """import-linter forbids subprocess and multiprocessing outside grader/sandbox/; the os
    module cannot be forbidden, so its process-starting calls are looked for here."""
    found = []
    for path in sorted(GRADER.rglob("*.py")):
        if (GRADER / "sandbox") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in STARTS_A_PROCESS \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append(f"{path.relative_to(REPO)}:{node.lineno} os.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "os" \
                    and any(a.name in STARTS_A_PROCESS for a in node.names):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} from os import ...")
    assert not found, found
    # and the sandbox wing does: the check above looks at the right names
    assert "os.fork()" in (GRADER / "sandbox" / "parent.py").read_text()


AUTHOR_API = {"cases": "course.cases", "mistakes": "course.mistakes", "compare": "evidence.compare",
              "judge": "verdict.judge", "ablation": "evidence.ablation", "properties": "evidence.properties",
              "propkit": "evidence.propkit", "common_props": "evidence.common_props",
              "sampling_props": "evidence.sampling_props"}


def test_the_author_facing_paths_are_the_moved_modules_in_a_fresh_interpreter():
    """Courses' references and problem files import `grader.cases`, `grader.compare`, ...
    (docs/authoring.md): each old path is the moved module itself, imported first or second."""
    code = "; ".join(
        [f"import grader.{old} as a{i}; import grader.{new} as b{i}; assert a{i} is b{i}, {old!r}"
         for i, (old, new) in enumerate(AUTHOR_API.items())]
        + ["import grader.verdict.judge as j; import grader.judge as k; assert j is k",
           "from grader.course import sibling; from grader.course.loader import sibling as s; assert sibling is s",
           "from grader import check; assert callable(check)"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_an_author_facing_name_is_registered_wherever_its_module_is_loaded():
    """A confined child cannot read grader/cases.py, yet a reference run there imports it by
    that name: loading the real module registers the old name too."""
    code = ("import sys, grader.course.cases as c, grader.evidence.compare as m; "
            "assert sys.modules['grader.cases'] is c and sys.modules['grader.compare'] is m")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- tools/relayout.py
def relayout(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "tools" / "relayout.py"), *args], cwd=root,
                          capture_output=True, text=True, timeout=120)


def test_relayout_on_this_tree_has_nothing_to_do():
    done = relayout(REPO, "--check")
    assert done.returncode == 0 and "nothing to do" in done.stdout, done.stdout + done.stderr


def flat_tree(root: Path, extra: dict[str, str] = {}) -> Path:
    """A small flat package like the one the script was written for, in a git repository."""
    files = {
        "grader/__init__.py": '"""The package."""\n__version__ = "0"\n',
        "grader/cli.py": "from . import __version__\nfrom .runner import check_problem\n",
        "grader/runner.py": "from .cases import Case\nfrom . import sandbox\n\n\ndef check_problem():\n"
                            "    from .course import Course\n    return Case, Course, sandbox.Sandbox\n",
        "grader/cases.py": "class Case:\n    pass\n",
        "grader/course.py": "from pathlib import Path\nPACKAGE_DIR = Path(__file__).resolve().parent\n"
                            "class Course:\n    pass\n\n\ndef sibling(anchor, name):\n    return name\n",
        "grader/sandbox.py": "import subprocess\nfrom pathlib import Path\n"
                             "GRADER_DIR = str(Path(__file__).resolve().parent)\n"
                             "class Sandbox:\n    pass\n"
                             "ZYGOTE = ['-m', 'grader.zygote']\n",
        "grader/zygote.py": "from .sandbox import Sandbox\n",
        "tests/test_x.py": "from grader.runner import check_problem\nfrom grader.cases import Case\n"
                           "import grader.sandbox as sb\nNAME = 'see grader/runner.py'\n",
        "reference/thing.py": "from grader.course import sibling\nfrom grader.cases import Case\n",
        "README.md": "<!-- test-command -->\n```bash\npip install -e '.[test]' && python -m pytest\n```\n",
        "pyproject.toml": '[project.optional-dependencies]\ntest = ["pytest>=7"]\n',
        **extra,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    (root / "tools").mkdir(exist_ok=True)
    shutil.copy(REPO / "tools" / "relayout.py", root / "tools" / "relayout.py")
    for cmd in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "flat"]):
        subprocess.run(["git", *cmd], cwd=root, check=True, capture_output=True)
    return root


def test_relayout_refuses_a_module_it_does_not_know_and_names_it(tmp_path):
    root = flat_tree(tmp_path, {"grader/mystery_engine.py": "X = 1\n"})
    for mode in ("--check", "--apply"):
        done = relayout(root, mode)
        assert done.returncode == 1 and "grader/mystery_engine.py" in done.stderr, done.stderr
    assert (root / "grader" / "runner.py").exists()  # nothing moved


def test_relayout_moves_a_flat_tree_rewrites_it_and_then_has_nothing_to_do(tmp_path):
    root = flat_tree(tmp_path)
    done = relayout(root, "--apply")
    assert done.returncode == 0, done.stderr
    runner = (root / "grader" / "verdict" / "runner.py").read_text()
    assert "from ..course.cases import Case" in runner and "from ..sandbox import parent as sandbox" in runner
    assert "    from ..course.loader import Course" in runner  # inside a function too
    assert "from .verdict.runner import check_problem" in (root / "grader" / "cli.py").read_text()
    assert "PACKAGE_DIR = Path(__file__).resolve().parent.parent" in (root / "grader/course/loader.py").read_text()
    parent = (root / "grader" / "sandbox" / "parent.py").read_text()
    assert "'grader.sandbox.zygote'" in parent and "GRADER_DIR = str(Path(__file__).resolve().parent.parent)" in parent
    test = (root / "tests" / "test_x.py").read_text()
    assert "from grader.verdict.runner import check_problem" in test and "from grader.cases import Case" in test
    assert "import grader.sandbox.parent as sb" in test and "grader/verdict/runner.py" in test
    assert (root / "reference" / "thing.py").read_text().startswith("from grader.course import sibling\n"
                                                                     "from grader.cases import Case\n")
    assert "lint-imports && python -m pytest" in (root / "README.md").read_text()
    assert "[tool.importlinter]" in (root / "pyproject.toml").read_text()
    code = ("import grader.cli, grader.verdict.runner as r; c, course, s = r.check_problem(); "
            "from grader.cases import Case; assert c is Case; from grader.course import sibling; import tests.test_x")
    imported = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=str(root)), timeout=60)
    assert imported.returncode == 0, imported.stderr
    again = relayout(root, "--apply")
    assert again.returncode == 0 and "nothing to do" in again.stdout
