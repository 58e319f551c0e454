"""environment.yml (conda route) stays in step with pyproject.toml (pip route)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
# PyPI and conda-forge spell a few packages differently.
CONDA_NAMES = {"pyyaml": "pyyaml"}


def _requirements(lines):
    out = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(>=\s*[0-9.]+)?\s*", line)
        assert match, f"unparsable requirement {line!r}"
        out[match.group(1).lower()] = (match.group(2) or "").replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_side = _requirements(project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda_lines = [d for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))]
    conda_side = _requirements(conda_lines)
    assert {CONDA_NAMES.get(k, k): v for k, v in pip_side.items()} == conda_side
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_block[-1] == "-e ."
    assert all(v.startswith(">=") for v in pip_side.values()), "pin lower bounds"
