"""``kpss run`` at its edges: a run that cannot succeed is refused before any job starts,
unwritable output folders, reserved job names, list parameters, lock files, and jobs
whose kernel fails to start (retried once) versus notebooks that fail (never retried).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kpss_lib import config, runner
from kpss_lib.errors import ConfigError
from kpss_lib.runner import folders
from runner_support import FAIL_NB, MAP_NB, PARAMS_NB, kpss, out  # noqa: F401 (fixture)

COVERAGE_NB = Path(__file__).resolve().parent.parent / "notebooks" / "coverage_map.ipynb"


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kpss run: error: "), err
    return lines[0]


# --------------------------------------------------------------------------- refused before any job

@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_no_data_folder_is_refused_before_any_job(out: Path, tmp_path: Path, monkeypatch, capsys, dry_run):
    monkeypatch.delenv("KPSS_DATA_DIR")
    monkeypatch.chdir(tmp_path)  # no ../shared/data beside the current folder
    args = [str(MAP_NB), "--name", "bez-dat", *(["--dry-run"] if dry_run else [])]
    assert kpss(*args) == runner.EXIT_USAGE == 2
    line = one_error_line(capsys.readouterr().err)
    assert "KPSS_DATA_DIR is not set" in line and "export KPSS_DATA_DIR=" in line
    assert not out.exists()  # nothing ran, nothing was written


def test_a_notebook_that_reads_no_data_runs_without_the_data_folder(out: Path, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("KPSS_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    assert kpss(str(PARAMS_NB), "--name", "bez-dat") == 0
    manifest = json.loads((out / "bez-dat" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data"]["data_dir"] is None and "KPSS_DATA_DIR is not set" in manifest["data"]["error"]


def test_the_missing_data_message_names_the_folder_the_makefile_would_use(tmp_path: Path, monkeypatch):
    shared = tmp_path / "shared" / "data"
    shared.mkdir(parents=True)
    (tmp_path / "kpss" / "data").mkdir(parents=True)
    monkeypatch.setattr(config, "PROJECT_DATA_DIR", tmp_path / "kpss" / "data")  # a checkout in tmp_path/kpss
    monkeypatch.delenv("KPSS_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=f"export KPSS_DATA_DIR={shared}"):
        config.data_dir()


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
@pytest.mark.parametrize("args", [
    [str(MAP_NB), "-p", "region", "Zlínský krajj"],
    [str(COVERAGE_NB), "--fan-out-values", "ORP Zlín", "ORP Neexistující"],
], ids=["parameter", "fan-out-value"])
def test_an_unknown_region_is_refused_before_any_job(out: Path, capsys, args, dry_run):
    assert kpss(*args, "--name", "spatny-kraj", *(["--dry-run"] if dry_run else [])) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "Zlínský krajj" in line or "ORP Neexistující" in line
    assert not out.exists()


def test_regions_are_checked_only_where_the_notebook_looks_them_up():
    from kpss_lib.runner.parameters import notebook_needs

    assert notebook_needs(COVERAGE_NB).territory == ("region",) and notebook_needs(COVERAGE_NB).data
    assert notebook_needs(MAP_NB).territory == ("region",)
    # runner_fail.ipynb takes a "region" too, but only prints it: any text is fine there.
    assert notebook_needs(FAIL_NB).territory == () and not notebook_needs(FAIL_NB).data


# --------------------------------------------------------------------------- output folder

@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_an_output_folder_inside_a_file_is_one_clear_line(tmp_path: Path, capsys, dry_run):
    blocker = tmp_path / "soubor.txt"
    blocker.write_text("není složka", encoding="utf-8")
    args = [str(PARAMS_NB), "--output-dir", str(blocker / "vystupy"), *(["--dry-run"] if dry_run else [])]
    assert kpss(*args) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(blocker) in line and "--output-dir or KPSS_OUTPUT_DIR" in line


def _kpss_run_as_nobody(*args: str, home: Path) -> subprocess.CompletedProcess:
    """``kpss run ARGS`` in a child process as user nobody: root writes into read-only folders, nobody cannot."""
    project = Path(runner.__file__).resolve().parents[2]
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(project)}
    code = "import sys; from kpss_lib.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", code,
                           "run", "--no-progress", *args], capture_output=True, text=True, env=env, timeout=300)


def _immutable(folder: Path) -> bool:
    """Make ``folder`` immutable (``chattr +i``: not even root may write into it); False where that is unavailable."""
    if not shutil.which("chattr"):
        return False
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        return False
    try:
        (folder / "probe").touch()
    except PermissionError:
        return True
    (folder / "probe").unlink()
    subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    return False


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_a_read_only_output_folder_is_one_clear_line(tmp_path: Path, capsys, dry_run):
    as_root = os.geteuid() == 0
    # pytest's tmp_path is private to root: a folder nobody can traverse holds the locked one
    base = Path(tempfile.mkdtemp(prefix="kpss-ro-")) if as_root else tmp_path
    base.chmod(0o755)
    locked = base / "jen-pro-cteni"
    locked.mkdir()
    locked.chmod(0o555)
    args = [str(PARAMS_NB), "--output-dir", str(locked), *(["--dry-run"] if dry_run else [])]
    # Root writes into a read-only folder: it is made immutable where the file system allows
    # (then the command runs here), else the command runs as user nobody (who must be able
    # to reach this Python and checkout).
    immutable = as_root and _immutable(locked)
    try:
        if as_root and not immutable:
            if not shutil.which("setpriv"):
                pytest.skip("neither chattr nor setpriv (util-linux) can take write access from root here")
            done = _kpss_run_as_nobody(*args, home=base)
            code, err = done.returncode, done.stderr
        else:
            code, err = kpss(*args), capsys.readouterr().err
        assert code == 2, err
        assert "is not writable" in one_error_line(err)
        assert list(locked.iterdir()) == []
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(locked)], capture_output=True)
        locked.chmod(0o755)
        if as_root:
            shutil.rmtree(base)


# --------------------------------------------------------------------------- names and parameters

@pytest.mark.parametrize("name", ["index", "manifest"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_reserved_job_names_are_refused_by_dry_run_too(out: Path, capsys, name, dry_run):
    assert kpss(str(PARAMS_NB), "--job-name", name, *(["--dry-run"] if dry_run else [])) == 2
    assert f"job name {name!r} is reserved" in one_error_line(capsys.readouterr().err)
    assert not out.exists()


def test_a_list_for_a_text_parameter_can_be_given_with_p(out: Path, capsys):
    declared = runner.notebook_parameters(COVERAGE_NB)["services_file"]
    assert declared.type_name == "str"
    listed = runner.coerce_cli_value("services_file", '["", "/x/planovane.xlsx"]', declared)
    assert listed == ["", "/x/planovane.xlsx"]
    assert runner.coerce_cli_value("services_file", "/x/planovane.xlsx", declared) == "/x/planovane.xlsx"
    assert runner.coerce_cli_value("region", "0724", runner.notebook_parameters(COVERAGE_NB)["region"]) == "0724"
    with pytest.raises(ConfigError, match="looks like a list but is not valid YAML"):
        runner.coerce_cli_value("services_file", '["", "/x]', declared)
    assert kpss(str(COVERAGE_NB), "-p", "region", "ORP Zlín", "-p", "services_file",
                '["", "/x/planovane.xlsx"]', "--dry-run") == 0
    assert "services_file=['', '/x/planovane.xlsx']" in capsys.readouterr().out


# --------------------------------------------------------------------------- lock files

def test_the_lock_file_is_removed_and_a_second_run_of_the_name_is_refused(tmp_path: Path):
    with folders.lock(tmp_path, "beh"):
        assert (tmp_path / ".beh.lock").is_file()
        with pytest.raises(ConfigError, match="'beh' is already running"):
            with folders.lock(tmp_path, "beh"):
                pass
    assert not (tmp_path / ".beh.lock").exists()
    with folders.lock(tmp_path, "beh"):  # free again
        assert (tmp_path / ".beh.lock").is_file()
    assert list(tmp_path.iterdir()) == []


def test_a_lock_on_a_file_already_removed_is_not_taken(tmp_path: Path, monkeypatch):
    # A run that opened the lock file just before the previous run removed it would lock
    # a file nobody else sees; it must lock the file now at the path instead.
    stale = tmp_path / ".beh.lock"
    stale.write_text("")
    stale_handle = open(stale, "a+")
    stale.unlink()
    opened = []
    real_open = folders._open_for_run

    def open_stale_first(path, mode):
        opened.append(path)
        return stale_handle if len(opened) == 1 else real_open(path, mode)

    monkeypatch.setattr(folders, "_open_for_run", open_stale_first)
    with folders.lock(tmp_path, "beh"):
        assert len(opened) == 2 and stale_handle.closed
        monkeypatch.setattr(folders, "_open_for_run", real_open)
        with pytest.raises(ConfigError, match="already running"):  # the lock holds on the visible file
            with folders.lock(tmp_path, "beh"):
                pass


# --------------------------------------------------------------------------- kernel start retry

KERNEL_LAUNCHER = """\
import os, sys
log, fail_first = sys.argv[1], sys.argv[2] == "1"
with open(log, "a") as stream:
    stream.write("start\\n")
with open(log) as stream:
    starts = len(stream.readlines())
if fail_first and starts == 1:
    sys.exit(1)  # the kernel dies before replying to kernel_info
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[3:]])
"""


@pytest.fixture
def flaky_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Kernels ``flaky`` (its first start fails) and ``counted`` (always starts), counting their starts."""
    jupyter = tmp_path / "jupyter"
    launcher = tmp_path / "launcher.py"
    launcher.write_text(KERNEL_LAUNCHER, encoding="utf-8")
    logs = {}
    for name, fail_first in (("flaky", "1"), ("counted", "0")):
        logs[name] = tmp_path / f"{name}.log"
        spec = {"argv": [sys.executable, str(launcher), str(logs[name]), fail_first, "-f", "{connection_file}"],
                "display_name": name, "language": "python"}
        (jupyter / "kernels" / name).mkdir(parents=True)
        (jupyter / "kernels" / name / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))
    return logs


def starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_a_kernel_that_fails_to_start_is_retried_once_and_recorded(out: Path, flaky_kernel):
    assert kpss(str(PARAMS_NB), "--kernel", "flaky", "--name", "opakovany-start") == 0
    assert starts(flaky_kernel["flaky"]) == 2
    manifest = json.loads((out / "opakovany-start" / "manifest.json").read_text(encoding="utf-8"))
    job = manifest["jobs"][0]
    assert job["status"] == "ok" and job["retries"] == 1
    assert "Kernel died before replying to kernel_info" in job["retry_reason"]
    assert (out / "opakovany-start" / "runner-params" / "received.json").is_file()


def test_a_notebook_error_is_never_retried(out: Path, flaky_kernel):
    assert kpss(str(FAIL_NB), "-p", "region", "Chybová obec", "--kernel", "counted", "--name", "chyba") == 3
    assert starts(flaky_kernel["counted"]) == 1
    job = json.loads((out / "chyba" / "manifest.json").read_text(encoding="utf-8"))["jobs"][0]
    assert job["status"] == "failed" and job["retries"] == 0 and job["retry_reason"] is None
    assert job["error"] == "ValueError: neznámá obec: Chybová obec"
