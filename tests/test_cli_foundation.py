"""`kpss data` and `kpss territory` run as a user runs them (the installed console script)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

KPSS = Path(sys.executable).with_name("kpss")


def run_kpss(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [str(KPSS)] if KPSS.exists() else [sys.executable, "-m", "kpss_lib.cli"]
    return subprocess.run(command + list(args), capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_kpss_data_lists_inputs_with_rows_hashes_and_sources():
    result = run_kpss("data")
    assert result.returncode == 0, result.stderr
    assert "obce_hierarchie.csv" in result.stdout and "6258 rows" in result.stdout
    assert "data as of 2020-12-31" in result.stdout  # the population's reference date, not the file's
    assert "sha256:" in result.stdout and "service_types.csv" in result.stdout
    assert "All inputs found" in result.stdout


def test_kpss_data_says_what_is_missing_and_where_to_get_it(tmp_path, data_dir):
    shutil.copy(data_dir / "obce_hierarchie.csv", tmp_path)
    result = run_kpss("data", env={"KPSS_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "MISSING" in result.stdout and "get it from: ČSÚ" in result.stdout


def test_kpss_without_data_dir_names_the_setting():
    env = {k: v for k, v in os.environ.items() if k != "KPSS_DATA_DIR"}
    command = [str(KPSS)] if KPSS.exists() else [sys.executable, "-m", "kpss_lib.cli"]
    result = subprocess.run(command + ["territory"], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "KPSS_DATA_DIR is not set" in result.stderr


def test_kpss_territory_writes_the_summary(tmp_path):
    out = tmp_path / "souhrn.csv"
    result = run_kpss("territory", "-o", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype={"Kód kraje (NUTS3)": str}, sep=";", encoding="utf-8-sig")
    total = table.set_index("Kód kraje (NUTS3)").loc["CZ"]
    assert total["Obyvatelé celkem"] == 10_701_777 and total["Počet ORP"] == 206 and total["Počet obcí"] == 6258
    assert table.set_index("Kód kraje (NUTS3)").loc["CZ072", "Počet ORP"] == 13
