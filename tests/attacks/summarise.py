"""Run the attack suite and print its results table (per class: tried / contained).

    PYTHONPATH=$PWD python tests/attacks/summarise.py [extra pytest args]

Contained = the attack's test passed; for the controls, passed = the control passed.
"""

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = {
    "1": "forged pass through inherited descriptors",
    "2": "changing the grader",
    "3": "reading the hidden reference",
    "4": "leaving things behind",
    "5": "banned calls unreported",
    "6": "grader crashes",
    "7": "memoising sampler",
    "controls": "allowed controls (must pass)",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-m", "attack", "-q", "-p", "no:cacheprovider",
                        f"--junitxml={xml}", "tests/test_attacks.py", *sys.argv[1:]], cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        tree = ET.parse(xml)
    tried: dict[str, int] = defaultdict(int)
    ok: dict[str, int] = defaultdict(int)
    through: dict[str, list[str]] = defaultdict(list)
    for case in tree.iter("testcase"):
        m = re.search(r"\[(\w+?)(?:_[\w]+)?/(\w+)\]", case.get("name", ""))
        if not m:
            continue
        group = m.group(1) if m.group(1) == "controls" else m.group(1)[0]
        tried[group] += 1
        if case.find("failure") is None and case.find("error") is None and case.find("skipped") is None:
            ok[group] += 1
        else:
            through[group].append(m.group(2))
    print("| class | attacks tried | contained (BEFORE) |")
    print("|---|---|---|")
    for group in sorted(tried, key=lambda g: (g == "controls", g)):
        print(f"| {group}. {NAMES.get(group, '')} | {tried[group]} | {ok[group]} |")
    attacks = [g for g in tried if g != "controls"]
    print(f"| all attacks | {sum(tried[g] for g in attacks)} | {sum(ok[g] for g in attacks)} |")
    for group in sorted(through):
        print(f"\n{group}: not contained / failing: {', '.join(sorted(through[group]))}")


if __name__ == "__main__":
    main()
