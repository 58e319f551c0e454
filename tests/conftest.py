"""Shared test settings: the real data directory and a private output/cache folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"

if not os.environ.get("KPSS_DATA_DIR") and SHARED_DATA.is_dir():
    os.environ["KPSS_DATA_DIR"] = str(SHARED_DATA)


@pytest.fixture(scope="session", autouse=True)
def _private_outputs(tmp_path_factory: pytest.TempPathFactory):
    """Tests never write into the repository's outputs/; the cache is shared within a session."""
    folder = tmp_path_factory.mktemp("kpss-outputs")
    previous = {k: os.environ.get(k) for k in ("KPSS_OUTPUT_DIR", "KPSS_CACHE_DIR")}
    os.environ["KPSS_OUTPUT_DIR"] = str(folder)
    os.environ["KPSS_CACHE_DIR"] = str(folder / ".cache")
    yield folder
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def data_dir() -> Path:
    value = os.environ.get("KPSS_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.fail("KPSS_DATA_DIR must point at the real data (../shared/data); tests use the real data")
    return Path(value)
