"""What the runner tests share: the test notebooks, a private output root, ``kpss run`` in-process."""
from __future__ import annotations

from pathlib import Path

import pytest

from kpss_lib.cli import main

DATA = Path(__file__).resolve().parent / "data"
PARAMS_NB = DATA / "runner_params.ipynb"
MAP_NB = DATA / "runner_map.ipynb"
FAIL_NB = DATA / "runner_fail.ipynb"
SLEEP_NB = DATA / "runner_sleep.ipynb"


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private output root for one test, through KPSS_OUTPUT_DIR as users set it."""
    root = tmp_path / "outputs"
    monkeypatch.setenv("KPSS_OUTPUT_DIR", str(root))
    return root


def kpss(*args: str) -> int:
    """``kpss run --no-progress ARGS`` in this process; the exit code."""
    return main(["run", "--no-progress", *args])
