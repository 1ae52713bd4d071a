"""The command line does not import torch until a command needs it: a cached `grader validate`,
`grader --help` or the thin client of a warm check answer in a fraction of torch's ~1.5 s
import (issue 18). A report helper imported at the top of the instructor's commands once
pulled torch into every command line (through the sandbox's parent side)."""

import subprocess
import sys


def test_importing_the_cli_and_the_report_does_not_import_torch():
    code = ("import sys, grader.cli, grader.verdict.report, grader.commands_instructor; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, "torch is imported with the command line: " + done.stderr[-500:]
