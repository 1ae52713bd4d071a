"""The allow-list policy holds against a determined learner and never flags allowed code.

The corpus (tests/static_cases.py) is the measure: every allowed-style solution scans
clean, every attack is flagged (or refused by Python's own parser), and nothing crashes.
"""

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from static_cases import ALLOWED, ATTACKS, DEEP_CHAIN, scan_case  # noqa: E402

from grader.policy.banned import build_spec  # noqa: E402
from grader.course.loader import Course, CourseError, parse_policy  # noqa: E402
from grader.policy.import_policy import DEFAULT_POLICY  # noqa: E402
from grader.policy.static import scan_file, scan_source  # noqa: E402


@pytest.fixture(scope="module")
def course():
    return Course()


@pytest.mark.parametrize("case", ALLOWED, ids=[c.name for c in ALLOWED])
def test_allowed_solution_is_not_flagged(tmp_path, course, case):
    violations, error = scan_case(case, tmp_path, course)
    assert error is None
    assert violations == []


@pytest.mark.parametrize("case", ATTACKS, ids=[c.name for c in ATTACKS])
def test_attack_is_flagged_without_crashing(tmp_path, course, case):
    violations, error = scan_case(case, tmp_path, course)
    assert error is None or isinstance(error, SyntaxError), f"the scan crashed: {error!r}"
    assert violations or isinstance(error, SyntaxError)
    assert all(v.file and v.kind in ("banned", "forbidden") for v in violations)


def test_attacks_report_file_and_line(tmp_path, course):
    case = next(c for c in ATTACKS if c.name == "banned function through a list")
    violations, _ = scan_case(case, tmp_path, course)
    assert [(v.file, v.line, v.api, v.kind) for v in violations] == \
        [("gelu.py", 4, "torch.nn.functional.gelu", "banned")]


def test_too_deep_is_a_violation_not_a_crash():
    violations, syntax = scan_source(DEEP_CHAIN, build_spec([]), "cell")
    assert syntax is None
    assert [(v.api, v.kind) for v in violations] == [("too deeply nested to check", "forbidden")]


def test_shadowing_workspace_file_is_never_the_learners(tmp_path):
    (tmp_path / "math.py").write_text("import torch.nn.functional as F\ngelu = F.gelu\n")
    main = tmp_path / "gelu.py"
    main.write_text("import math\ndef gelu(x):\n    return x * math.pi\n")
    violations, _ = scan_file(main, build_spec(["torch.nn.functional.gelu"]), tmp_path)
    assert [(v.file, v.kind) for v in violations] == [("math.py", "forbidden")]
    assert "rename it" in violations[0].how


def test_banned_name_on_own_module_is_fine_only_where_banned(tmp_path):
    (tmp_path / "helpers.py").write_text("def gelu(x):\n    return x\n")
    main = tmp_path / "block.py"
    main.write_text("import helpers\nfrom helpers import gelu\ndef f(x, y):\n    return helpers.gelu(x) + y.gelu\n")
    spec = build_spec(["torch.nn.functional.gelu"])
    violations, _ = scan_file(main, spec, tmp_path)
    assert [(v.line, v.api) for v in violations] == [(4, "torch.nn.functional.gelu")]  # y.gelu only
    assert scan_file(main, build_spec([]), tmp_path)[0] == []  # gelu is not banned here


def test_policy_table_widens_and_narrows(tmp_path):
    policy = parse_policy({"allow_imports": ["fractions"], "deny_imports": ["numpy"]}, tmp_path / "problem.toml")
    assert policy.allows_module("fractions") and not policy.allows_module("numpy.linalg")
    source = "import fractions\nimport numpy as np\n"
    violations, _ = scan_source(source, build_spec([]), "s.py", policy=policy)
    assert [(v.line, v.api) for v in violations] == [(2, "numpy")]
    assert [v.line for v in scan_source(source, build_spec([]), "s.py")[0]] == [1]


def test_default_policy_has_no_einops_and_no_private_torch():
    assert not DEFAULT_POLICY.allows_module("einops")
    assert not DEFAULT_POLICY.allows_module("torch._refs")
    assert not DEFAULT_POLICY.allows_module("torch.utils.cpp_extension")
    assert DEFAULT_POLICY.allows_module("torch.nn.functional")


@pytest.mark.parametrize("table, message", [
    ({"allow_import": ["time"]}, "unknown key `allow_import`"),
    ({"allow_imports": "time"}, "`allow_imports` must be a list"),
    ({"deny_imports": ["not a name"]}, "`deny_imports` must be a list"),
])
def test_policy_table_errors_name_file_and_key(tmp_path, table, message):
    with pytest.raises(CourseError, match=message) as info:
        parse_policy(table, tmp_path / "problem.toml")
    assert "problem.toml" in str(info.value)


def test_course_reads_the_policy_table(tmp_path):
    problem = tmp_path / "problems" / "p"
    problem.mkdir(parents=True)
    (problem / "problem.toml").write_text(textwrap.dedent("""
        entry = "f"
        [policy]
        allow_imports = ["time"]
    """))
    loaded = Course(tmp_path).get("p")
    assert loaded.policy.allows_module("time")
    (problem / "problem.toml").write_text('entry = "f"\n[policy]\nallowed = []\n')
    with pytest.raises(CourseError, match=r"problem\.toml.*unknown key `allowed`"):
        Course(tmp_path)


def test_validate_refuses_a_problem_named_like_a_real_module(tmp_path, sandbox):
    from grader.instructor.validate import validate_problem

    problem = tmp_path / "problems" / "tokenize"
    problem.mkdir(parents=True)
    (problem / "problem.toml").write_text('title = "t"\norder = 1\nentry = "f"\n')
    course = Course(tmp_path)
    found = validate_problem(course, course.get("tokenize"), sandbox)
    assert any(f.check == "config" and "named like the module `tokenize`" in f.message for f in found.findings)


# -- the closed world (issue 16, class 1) ----------------------------------------------------

def _ast_node_classes() -> set[str]:
    import ast

    return {name for name, value in vars(ast).items() if isinstance(value, type) and issubclass(value, ast.AST)}


def test_every_ast_node_class_is_judged_or_refused():
    """A node class of a newer Python in neither table fails here, not in a learner's check."""
    from grader.policy.constructs import JUDGED, REFUSED

    missing = sorted(_ast_node_classes() - JUDGED.keys() - REFUSED.keys())
    assert missing == [], f"ast node classes the static policy neither judges nor refuses: {missing}"
    assert JUDGED.keys() & REFUSED.keys() == set()


def test_a_construct_the_checks_do_not_know_is_refused():
    import ast

    from grader.policy.static import _scan_tree

    class Novel(ast.stmt):  # what a future Python's new statement looks like to this scan
        _fields = ()

    tree = ast.Module(body=[Novel(lineno=3, col_offset=0)], type_ignores=[])
    violations = _scan_tree(tree, "gelu.py", build_spec([]), DEFAULT_POLICY, set()).violations
    assert [(v.api, v.file, v.line, v.kind) for v in violations] == [("ast.Novel", "gelu.py", 3, "forbidden")]
    assert "do not know" in violations[0].how


@pytest.mark.parametrize("source, api, line", [
    ("async def f(x):\n    return x\n", "async def", 1),
    ("def f(xs):\n    return [x async for x in xs]\n", "async for", 2),
    ("import torch\nclass A:\n    @classmethod\n    def __subclasshook__(cls, c):\n        return True\n",
     "__subclasshook__", 4),
    ("from abc import ABC\nclass A(ABC):\n    pass\nA.register(int)\n", "register", 4),
    ("class M(type):\n    pass\n", "a metaclass", 1),
    ("M = type(int)\n", "type(...) as a value", 1),
    ("C = type(*('C', (), {}))\n", "type() with other than one argument", 1),
    ("t = type\n", "type", 1),
    ("import torch\ns = '{0.sys}'.format(torch)\n", "format field {0.sys}", 2),
    ("import torch\ns = '{:>{0.sys}}'.format(1, torch)\n", "format field {0.sys}", 2),
    ("s = '{t[k]}'.format_map({'t': {'k': 1}})\n", "format field {t[k]}", 1),
    ("def f(fmt, x):\n    return fmt.format(x)\n", ".format()", 2),
    ("f = str.format\n", ".format()", 1),
    ("def f(x):\n    match x:\n        case int(a, b):\n            return a\n", "case int(...)", 3),
    ("int = list\ndef f(x):\n    match x:\n        case int(a):\n            return a\n", "case int(...)", 4),
    ("import torch\ndef f(x):\n    match x:\n        case torch.Size(a):\n            return a\n", "case torch.Size(...)", 4),
    ("def f(x):\n    match x:\n        case object(_n=n):\n            return n\n", "_n", 3),
    ("from abc import ABC as NamedTuple\nfrom dataclasses import dataclass\n@dataclass\nclass P(NamedTuple):\n"
     "    a: int\ndef f(x):\n    match x:\n        case P(a):\n            return a\n", "case P(...)", 8),
])
def test_constructs_that_hide_attribute_reads_are_refused(source, api, line):
    violations, syntax = scan_source(source, build_spec([]), "gelu.py")
    assert syntax is None
    found = [(v.api, v.line) for v in violations if v.kind == "forbidden"]
    assert (api, line) in found, found


@pytest.mark.parametrize("source", [
    "def f(x):\n    match x:\n        case int(n) | float(n) | str(n) | tuple(n):\n            return n\n",
    "from dataclasses import dataclass\n@dataclass\nclass P:\n    a: int\n    b: int\n"
    "def f(x):\n    match x:\n        case P(a, b=c):\n            return a + c\n",
    "import torch\ndef f(x):\n    match x:\n        case torch.Tensor(shape=s):\n            return s\n",
    "class P:\n    def __init__(self):\n        self._n = 1\ndef f(x):\n    match x:\n        case P(_n=n):\n"
    "            return n\n",
    "def f(x):\n    return '{} {:.3f} {0!r:>{1}} {name}'.format(1, 2.0, name=3) + '{k}'.format_map({'k': 1})\n",
    "def f(x):\n    return f'{x!r:>{10}} {x:.2e}' + '%(a)s' % {'a': 1} + str.format('{}', x)\n",
    "def f(x):\n    print(type(x), f'{type(x)}', type(x).__name__, type(x) is int, isinstance(x, type(x)))\n"
    "    return type(x)(x)\n",
    "import functools\ndef deco(f):\n    @functools.wraps(f)\n    def inner(*a):\n        return f(*a)\n"
    "    return inner\n@functools.lru_cache(maxsize=None)\ndef g(n):\n    return n\n",
])
def test_the_same_constructs_in_allowed_forms_are_not_flagged(source):
    violations, syntax = scan_source(source, build_spec([]), "gelu.py")
    assert syntax is None
    assert violations == []
