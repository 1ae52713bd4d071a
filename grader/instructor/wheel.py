"""Writing a pure-Python wheel from a map of files, with no build tool.

The learner's bundle carries an installable grader (grader/instructor/export.py). Building it with
pip or hatchling would need a build backend, and often the network, at export time;
a wheel is only a zip with a `.dist-info` directory (PEP 427, PEP 376's RECORD), so
writing it here keeps the export offline, fast and reproducible (fixed timestamps).
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest zip date: same inputs, same wheel bytes


@dataclass(frozen=True)
class WheelSpec:
    """The distribution a wheel installs: what `pip show` would print about it."""

    name: str
    version: str
    summary: str
    requires_python: str
    dependencies: tuple[str, ...]
    console_scripts: tuple[tuple[str, str], ...]  # (command, "module:function")
    readme: str = ""

    @property
    def normalised_name(self) -> str:
        """The name as wheel file names spell it (PEP 427: runs of -_. become _)."""
        return re.sub(r"[-_.]+", "_", self.name).lower()

    @property
    def filename(self) -> str:
        return f"{self.normalised_name}-{self.version}-py3-none-any.whl"

    @property
    def dist_info(self) -> str:
        return f"{self.normalised_name}-{self.version}.dist-info"


def metadata_text(spec: WheelSpec) -> str:
    """Core metadata 2.1: name, version, Python and dependencies, then the readme."""
    lines = ["Metadata-Version: 2.1", f"Name: {spec.name}", f"Version: {spec.version}",
             f"Summary: {spec.summary}", f"Requires-Python: {spec.requires_python}"]
    lines += [f"Requires-Dist: {dependency}" for dependency in spec.dependencies]
    if spec.readme:
        lines.append("Description-Content-Type: text/markdown")
        return "\n".join(lines) + "\n\n" + spec.readme
    return "\n".join(lines) + "\n"


def wheel_text() -> str:
    return "Wheel-Version: 1.0\nGenerator: grader.instructor.wheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def entry_points_text(spec: WheelSpec) -> str:
    return "[console_scripts]\n" + "".join(f"{command} = {target}\n" for command, target in spec.console_scripts)


def record_line(name: str, data: bytes) -> str:
    """One RECORD row: the file's urlsafe, unpadded SHA-256 and its size."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def dist_info_files(spec: WheelSpec) -> dict[str, bytes]:
    """The .dist-info files other than RECORD."""
    return {f"{spec.dist_info}/METADATA": metadata_text(spec).encode(),
            f"{spec.dist_info}/WHEEL": wheel_text().encode(),
            f"{spec.dist_info}/entry_points.txt": entry_points_text(spec).encode()}


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.external_attr = 0o100644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def write_wheel(spec: WheelSpec, files: Mapping[str, bytes], out_dir: str | Path) -> Path:
    """Write spec's wheel holding `files` (archive name -> content) into out_dir; returns its path."""
    members = {**{name: files[name] for name in sorted(files)}, **dist_info_files(spec)}
    record_name = f"{spec.dist_info}/RECORD"
    record = "".join(record_line(name, data) + "\n" for name, data in members.items()) + f"{record_name},,\n"
    path = Path(out_dir) / spec.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            _write_member(zf, name, data)
        _write_member(zf, record_name, record.encode())
    return path
