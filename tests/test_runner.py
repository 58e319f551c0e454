"""``kpss run`` and kpss_lib.runner: fan-outs with failures, timeouts, safe names, atomic
re-runs, the private kernel, the manifest and index, and the HTML report in a real browser.

The notebooks are tiny ones in tests/data (runner_*.ipynb): parameters of every type,
a real kraj polygon on a folium map, one that fails for one value, one that sleeps.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest

from kpss_lib import config, runner
from kpss_lib.errors import ConfigError, RegionNotFoundError, UnknownValueError
from runner_support import FAIL_NB, MAP_NB, PARAMS_NB, SLEEP_NB, kpss, out  # noqa: F401 (fixture)

SCREENS = Path("/tmp/kpss_screens")
CHROMIUM = "/usr/bin/chromium"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def error_outputs(notebook: Path) -> list[dict]:
    node = nbformat.read(notebook, as_version=4)
    return [o for c in node.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("text, expected", [
    ("Zlínský kraj", "zlinsky-kraj"),
    ("Valašské Meziříčí", "valasske-mezirici"),
    ("Ústí nad Labem", "usti-nad-labem"),
    ("Frýdek-Místek", "frydek-mistek"),
    ("ČESKÝ KRUMLOV", "cesky-krumlov"),
    ("Brandýs nad Labem-Stará Boleslav", "brandys-nad-labem-stara-boleslav"),
    ("  Praha 1 / Praha 2  ", "praha-1-praha-2"),
    ("seniori_{region}", "seniori-region"),
    ("nul", "nul-x"),
    ("?!", ""),
])
def test_slugify_czech_names(text, expected):
    assert runner.slugify(text) == expected


def test_slugify_cuts_long_names_at_a_hyphen():
    slug = runner.slugify("Sdružení obcí " * 20)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.startswith("sdruzeni-obci-")


@pytest.mark.parametrize("text", ["..", "../escape", "a/../../b", "/etc/passwd", "~/x", "C:\\Windows",
                                  "..\\..\\x", "a\x00b", "", "   ", "?!"])
def test_safe_name_refuses_paths_and_empty_names(text):
    with pytest.raises(ConfigError):
        runner.safe_name(text, "run name")


def test_render_name_fills_parameters_and_refuses_unknown_fields():
    assert runner.render_name("seniori-{region}", {"region": "Zlínský kraj"}, "run name") == "seniori-zlinsky-kraj"
    with pytest.raises(ConfigError, match="unknown field {kraj}"):
        runner.render_name("seniori-{kraj}", {"region": "Zlín"}, "run name")
    with pytest.raises(ConfigError, match="unknown field"):
        runner.render_name("{region.__class__}", {"region": "Zlín"}, "run name")
    with pytest.raises(ConfigError, match="is a path"):
        runner.render_name("{region}", {"region": "../../etc"}, "job name")


# --------------------------------------------------------------------------- parameters

def test_notebook_parameters_and_cli_typing():
    declared = runner.notebook_parameters(PARAMS_NB)
    assert {n: p.type_name for n, p in declared.items()} == {
        "region": "str", "radius_km": "int", "share": "float", "include_closed": "bool",
        "services": "list", "output_dir": "NoneType"}
    typed = {name: runner.coerce_cli_value(name, text, declared[name]) for name, text in [
        ("region", "0724"), ("radius_km", "15"), ("share", "2,5"), ("include_closed", "ano")]}
    assert typed == {"region": "0724", "radius_km": 15, "share": 2.5, "include_closed": True}
    assert runner.coerce_cli_value("services", "['13', '14']", declared["services"]) == ["13", "14"]
    assert runner.coerce_cli_value("services", "domovy", declared["services"]) == ["domovy"]
    with pytest.raises(ConfigError, match="expected a whole number, got 'dvacet'"):
        runner.coerce_cli_value("radius_km", "dvacet", declared["radius_km"])
    with pytest.raises(ConfigError, match="expected true/false"):
        runner.coerce_cli_value("include_closed", "možná", declared["include_closed"])


def test_unknown_and_reserved_parameters_are_refused():
    with pytest.raises(ConfigError, match=r"no parameter 'radius' \(did you mean radius_km\?\)"):
        runner.check_parameters(PARAMS_NB, {"radius": 5})
    with pytest.raises(ConfigError, match="'output_dir' is set by the runner"):
        runner.check_parameters(PARAMS_NB, {"output_dir": "/tmp/elsewhere"})


def test_run_file_is_read_with_templated_names(tmp_path: Path, out: Path, capsys):
    (tmp_path / "params").mkdir()
    shutil.copy(PARAMS_NB, tmp_path / "runner_params.ipynb")
    run_file = tmp_path / "params" / "seniori.yml"
    run_file.write_text(
        "notebook: runner_params.ipynb\n"
        "name: 'seniori-{region}'\n"
        "parameters:\n  region: Zlínský kraj\n  radius_km: 25\n"
        "timeout: 120\n", encoding="utf-8")
    spec = runner.load_run_file(run_file)
    assert spec.notebook == (tmp_path / "runner_params.ipynb").resolve() and spec.timeout == 120
    run_name, jobs = runner.plan_run(spec)
    assert run_name == "seniori-zlinsky-kraj"
    assert [(j.name, j.parameters) for j in jobs] == [
        ("runner-params", {"region": "Zlínský kraj", "radius_km": 25})]

    # On the command line, options override the run file.
    assert kpss(str(run_file), "-p", "radius_km", "30", "-p", "region", "0724", "--dry-run") == 0
    listed = capsys.readouterr().out
    assert "Běh seniori-0724: 1 úloh" in listed and "region='0724', radius_km=30" in listed

    run_file.write_text("notebook: runner_params.ipynb\nparameter: {region: Zlín}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'parameter'"):
        runner.load_run_file(run_file)
    run_file.write_text("notebook: chybi.ipynb\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="notebook 'chybi.ipynb' not found"):
        runner.load_run_file(run_file)
    run_file.write_text("notebook: runner_params.ipynb\nfan_out: {level: obvod}\n", encoding="utf-8")
    with pytest.raises(UnknownValueError, match="unknown fan-out level 'obvod'"):
        runner.load_run_file(run_file)


def test_fan_out_over_the_orp_of_a_kraj(out: Path, capsys):
    items = runner.expand_fan_out(runner.FanOut(level="orp", within="Zlínský kraj"))
    assert len(items) == 13
    labels = [i.label for i in items]
    assert labels == sorted(labels, key=runner.slugify)
    assert {"Zlín", "Vsetín", "Valašské Meziříčí", "Uherské Hradiště"} <= set(labels)
    assert all(re.fullmatch(r"\d{4}", i.value) for i in items)
    named = runner.expand_fan_out(runner.FanOut(level="orp", within="Zlínský kraj", inject="name"))
    assert "ORP Zlín" in [i.value for i in named]
    assert len(runner.expand_fan_out(runner.FanOut(level="kraj"))) == 14

    assert kpss(str(FAIL_NB), "--fan-out", "orp", "--within", "Zlínský kraj", "--dry-run") == 0
    listed = capsys.readouterr().out
    assert "Běh runner-fail-zlinsky-kraj-orp: 13 úloh" in listed and "  valasske-mezirici: region=" in listed
    with pytest.raises(RegionNotFoundError):
        runner.expand_fan_out(runner.FanOut(level="orp", within="Zlínský krajj"))
    assert kpss(str(FAIL_NB), "--fan-out", "orp", "--within", "Zlínský krajj", "--dry-run") == 2
    assert "Zlínský kraj" in capsys.readouterr().err  # the close match is suggested


# --------------------------------------------------------------------------- safety

def test_nothing_outside_the_output_folder_whatever_the_parameters(out: Path, tmp_path: Path, capsys):
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    attempts = [
        [str(FAIL_NB), "--name", "../escape"],
        [str(FAIL_NB), "--name", "/tmp/escape"],
        [str(FAIL_NB), "-p", "output_dir", str(tmp_path / "elsewhere")],
        [str(FAIL_NB), "-p", "output_dir", "../../elsewhere"],
        [str(FAIL_NB), "--fan-out-values", "Zlín", "../../etc", "--job-name", "{region}"],
        [str(FAIL_NB), "-p", "region", "..", "--job-name", "{region}"],
        [str(FAIL_NB), "--name", "{region}", "-p", "region", "/etc"],
    ]
    for args in attempts:
        assert kpss(*args) == 2, args
        assert "error:" in capsys.readouterr().err
    # Refused before anything ran: not even the output root was created.
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_symlink_in_the_output_folder_is_replaced_not_followed(out: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("nepřepisovat", encoding="utf-8")
    out.mkdir()
    (out / "escape").symlink_to(outside, target_is_directory=True)
    assert kpss(str(PARAMS_NB), "--name", "escape") == 0
    assert not (out / "escape").is_symlink() and (out / "escape" / "index.html").is_file()
    assert tree(outside) == {"keep.txt": "nepřepisovat".encode()}


# --------------------------------------------------------------------------- runs

def test_fan_out_with_one_failing_job(out: Path, capsys):
    started = datetime.now().astimezone()
    code = kpss(str(FAIL_NB), "--fan-out-values", "Zlín", "Chybová obec", "Valašské Meziříčí",
                "--name", "tri-obce", "--workers", "2")
    assert code == runner.EXIT_SOME_FAILED == 1
    summary = capsys.readouterr().err
    assert "Běh tri-obce: 2 ok, 1 chyba, 0 časový limit" in summary
    assert "chybova-obec [chyba]: ValueError: neznámá obec: Chybová obec" in summary

    run = out / "tri-obce"
    assert sorted(p.name for p in run.glob("*.html")) == ["index.html", "valasske-mezirici.html", "zlin.html"]
    assert sorted(p.name for p in run.glob("*.ipynb")) == ["chybova-obec.ipynb", "valasske-mezirici.ipynb",
                                                            "zlin.ipynb"]
    assert not list(out.glob(".tri-obce.tmp-*"))
    # The failed notebook is kept, with the traceback, and stopped at the failing cell.
    errors = error_outputs(run / "chybova-obec.ipynb")
    assert [(e["ename"], e["evalue"]) for e in errors] == [("ValueError", "neznámá obec: Chybová obec")]
    traceback_text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0]["traceback"]))
    assert "raise ValueError(f'neznámá obec: {region}')" in traceback_text
    failed = nbformat.read(run / "chybova-obec.ipynb", as_version=4)
    printing = next(c for c in failed.cells if c.source.startswith("print(f'Zpracovávám"))
    assert printing.outputs[0]["text"] == "Zpracovávám Chybová obec\n"
    assert failed.cells[-1].metadata.papermill.status == "pending"
    ok = nbformat.read(run / "zlin.ipynb", as_version=4)
    assert "hotovo" in ok.cells[-1].outputs[0]["text"]
    # The report shows outputs, no code.
    report = (run / "zlin.html").read_text(encoding="utf-8")
    assert "Zpracovávám Zlín" in report and "raise ValueError" not in report

    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "partial" and manifest["exit_code"] == 1
    assert manifest["counts"] == {"ok": 2, "failed": 1, "timeout": 0}
    assert [(j["name"], j["status"], j["parameters"]) for j in manifest["jobs"]] == [
        ("zlin", "ok", {"region": "Zlín"}),
        ("chybova-obec", "failed", {"region": "Chybová obec"}),
        ("valasske-mezirici", "ok", {"region": "Valašské Meziříčí"})]
    assert manifest["package"] == {"name": "kpss", "version": version("kpss")}
    head = subprocess.run(["git", "-C", str(config.PROJECT_DATA_DIR.parent), "rev-parse", "HEAD"],
                          capture_output=True, text=True)
    assert manifest["git"]["commit"] == (head.stdout.strip() if head.returncode == 0 else None)
    start, end = (datetime.fromisoformat(manifest[k]) for k in ("started_at", "finished_at"))
    assert start.tzinfo is not None and started.replace(microsecond=0) <= start <= end
    for job in manifest["jobs"]:
        assert datetime.fromisoformat(job["started_at"]).tzinfo is not None and job["duration_s"] > 0
    assert manifest["fan_out"]["values"] == ["Zlín", "Chybová obec", "Valašské Meziříčí"]
    assert manifest["kernel"]["argv"][0] == sys.executable
    # Every input data file is hashed, and the hashes are those of the files.
    data = manifest["data"]
    assert data["data_dir"] == str(config.data_dir().resolve())
    hashed = {f["name"]: f for f in data["files"]}
    assert set(config.INPUT_FILES) <= set(hashed)
    for name in config.INPUT_FILES:
        path = config.data_dir() / name
        assert hashed[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), name
    project_files = [f for f in data["files"] if f["source"] == "project"]
    for entry in project_files:
        path = config.PROJECT_DATA_DIR / entry["name"].removeprefix("data/")
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    nb_entry = manifest["notebooks"][0]
    assert nb_entry["sha256"] == hashlib.sha256(FAIL_NB.read_bytes()).hexdigest()

    # The index lists every job with its status and working links.
    index = (run / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="status-(\w+)" id="job-([\w-]+)">', index)
    assert rows == [("ok", "zlin"), ("failed", "chybova-obec"), ("ok", "valasske-mezirici")]
    assert index.count(">ok</span>") == 2 and index.count(">chyba</span>") == 1
    assert "neznámá obec: Chybová obec" in index
    for href in re.findall(r'href="([^"]+)"', index):
        assert (run / html.unescape(href)).is_file(), href
    assert 'href="chybova-obec.html"' not in index


@pytest.mark.slow
def test_timeout_stops_the_job_keeps_its_notebook_and_the_other_job_runs(out: Path, capsys):
    code = kpss(str(SLEEP_NB), "--fan-out-parameter", "seconds", "--fan-out-values", "0.2", "120",
                "--job-name", "spanek-{seconds}", "--name", "limit", "--timeout", "8", "--workers", "2")
    assert code == 1
    assert "spanek-120-0 [časový limit]: job exceeded the time limit of 8 s" in capsys.readouterr().err
    run = out / "limit"
    node = nbformat.read(run / "spanek-120-0.ipynb", as_version=4)
    assert node.metadata.kpss == {"status": "timeout", "message": "job exceeded the time limit of 8 s"}
    sleeping = next(c for c in node.cells if c.source == "time.sleep(seconds)")
    assert sleeping.metadata.papermill.status == "failed"
    assert "TimeoutError" in [o["ename"] for o in sleeping.outputs if o["output_type"] == "error"]
    assert "spím 120.0 s" in json.dumps(node.cells, ensure_ascii=False)  # output before the limit is kept
    assert node.cells[-1].metadata.papermill.status == "pending"
    assert "časovým limitem" in node.cells[0].source
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [(j["name"], j["status"]) for j in manifest["jobs"]] == [("spanek-0-2", "ok"), ("spanek-120-0", "timeout")]
    assert 8 <= manifest["jobs"][1]["duration_s"] < 60  # stopped, not slept its 120 s
    assert ">časový limit</span>" in (run / "index.html").read_text(encoding="utf-8")
    # The stopped job left no worker behind (a worker's cwd is the run folder).
    assert not _processes_in(out)


def _processes_in(folder: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder.resolve())):
            found.append(int(proc.name))
    return found


def test_all_jobs_failing_exits_with_3(out: Path):
    assert kpss(str(FAIL_NB), "-p", "region", "Chybová obec", "--name", "vse-spatne") == runner.EXIT_ALL_FAILED == 3
    manifest = json.loads((out / "vse-spatne" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"


def test_rerun_replaces_outputs_and_a_crash_keeps_the_old_ones(out: Path, monkeypatch: pytest.MonkeyPatch):
    jobs = [runner.Job("a", PARAMS_NB, {"region": "A"}), runner.Job("b", PARAMS_NB, {"region": "B"})]
    first = runner.run_jobs(jobs, "opakovani", workers=2, progress=False)
    assert first.exit_code == 0 and (out / "opakovani" / "a" / "received.json").is_file()
    before = tree(out / "opakovani")

    # A re-run with other jobs replaces the whole folder: no file of the old run survives.
    second = runner.run_jobs([runner.Job("c", PARAMS_NB, {"region": "C"})], "opakovani", progress=False)
    assert second.exit_code == 0
    names = set(tree(out / "opakovani"))
    assert "c.ipynb" in names and not {"a.ipynb", "b.ipynb", "a/received.json"} & names
    received = json.loads((out / "opakovani" / "c" / "received.json").read_text(encoding="utf-8"))
    assert received["region"] == "C" and received["output_dir"] == "c"
    # Warm kernels (forked from one template) are still separate kernels: own pid, own random state.
    a, b = (json.loads(before[f"{n}/received.json"]) for n in "ab")
    assert a["numpy_random"] != b["numpy_random"] and a["ppid"] != b["ppid"]
    assert a["parent_pid"] == str(a["ppid"])  # the kernel exits when its worker does
    assert b'"image/png"' in before["a.ipynb"]  # matplotlib's inline backend works
    after_second = tree(out / "opakovani")

    # The runner crashes after the jobs ran, while writing the index: the old outputs stay as they were.
    def broken_index(manifest, path):
        raise RuntimeError("simulated crash of the runner")

    monkeypatch.setattr(runner.runs, "write_index", broken_index)
    with pytest.raises(RuntimeError, match="simulated crash"):
        runner.run_jobs(jobs, "opakovani", progress=False)
    assert tree(out / "opakovani") == after_second != before
    assert [p.name for p in out.iterdir() if p.name.startswith(".opakovani.")] == []  # no temp folder, no lock


def _forked_from(run: Path) -> str:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))["kernel"]["workers_forked_from"]


def _received(run: Path) -> dict:
    received = json.loads((run / "runner-params" / "received.json").read_text(encoding="utf-8"))
    return {k: received[k] for k in ("region", "output_dir")}


def test_workers_fork_from_the_runner_unless_it_runs_threads_and_the_jobs_do_not_differ(out: Path):
    # `kpss run` is a process of its own without threads: workers fork from it, inheriting what it loaded.
    env = {**os.environ, "KPSS_OUTPUT_DIR": str(out)}
    command = [sys.executable, "-m", "kpss_lib.cli", "run", "--no-progress", str(PARAMS_NB), "-p", "region", "Zlín"]
    assert subprocess.run(command + ["--name", "proces"], env=env).returncode == 0
    assert _forked_from(out / "proces") == "runner"
    # A program with a thread of its own must not fork: a forkserver serves its workers.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="a-program's-own-thread")
    thread.start()
    try:
        code = kpss(str(PARAMS_NB), "-p", "region", "Zlín", "--name", "vlakno")
    finally:
        stop.set()
        thread.join()
    assert code == 0 and _forked_from(out / "vlakno") == "forkserver"
    assert _received(out / "proces") == _received(out / "vlakno") == {"region": "Zlín", "output_dir": "runner-params"}
    for run in ("proces", "vlakno"):
        assert b'"image/png"' in (out / run / "runner-params.ipynb").read_bytes()  # charts show either way


def test_charts_show_when_the_runner_drew_with_another_matplotlib_backend(out: Path):
    # A kernel forked from a program that already used matplotlib (here with Agg) gets the
    # inline backend, as a fresh ipykernel does: the notebook's chart is in its outputs.
    script = "\n".join([
        "import sys", "import matplotlib.pyplot as plt",
        "plt.switch_backend('agg'); plt.figure(); plt.close('all')",
        "from kpss_lib import runner",
        f"job = runner.Job('graf', {str(PARAMS_NB)!r}, {{'region': 'Zlín'}})",
        f"result = runner.run_jobs([job], 'graf', workers=1, progress=False, output_root={str(out)!r})",
        "sys.exit(result.exit_code)"])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    assert subprocess.run([sys.executable, "-c", script], env=env).returncode == 0
    assert _forked_from(out / "graf") == "runner"
    assert b'"image/png"' in (out / "graf" / "graf.ipynb").read_bytes()


def test_a_runner_bug_exits_with_4(out: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(runner, "run_spec", broken)
    assert kpss(str(PARAMS_NB)) == runner.EXIT_INTERNAL == 4
    assert "RuntimeError: simulated bug" in capsys.readouterr().err


@pytest.mark.slow
def test_killed_runner_leaves_old_outputs_and_no_processes(out: Path, tmp_path: Path):
    env = {**os.environ, "KPSS_OUTPUT_DIR": str(out)}
    command = [sys.executable, "-m", "kpss_lib.cli", "run", "--no-progress"]
    assert subprocess.run(command + [str(PARAMS_NB), "--name", "zabity"], env=env).returncode == 0
    before = tree(out / "zabity")

    marker = tmp_path / "bezi.txt"
    proc = subprocess.Popen(command + [str(SLEEP_NB), "-p", "seconds", "120", "-p", "marker", str(marker),
                                       "--name", "zabity"], env=env)
    # Kill only once the job is demonstrably running (its notebook wrote the marker); the
    # wait is a generous bound for a loaded machine, not an expectation of speed.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not marker.exists() and proc.poll() is None:
        time.sleep(0.3)
    assert marker.exists(), "the sleeping notebook never started"
    assert list(out.glob(".zabity.tmp-*"))  # the run is writing into its temporary folder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert tree(out / "zabity") == before
    # The orphaned workers notice and stop (with their kernels).
    deadline = time.monotonic() + 30
    while _processes_in(out) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_in(out)
    # The next run clears the leftovers of the killed one.
    assert subprocess.run(command + [str(PARAMS_NB), "--name", "zabity"], env=env).returncode == 0
    assert not list(out.glob(".zabity.tmp-*"))


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what `kpss run … &` in a script inherits


@pytest.mark.slow
@pytest.mark.parametrize("signum, preexec", [(signal.SIGINT, None), (signal.SIGTERM, None),
                                             (signal.SIGINT, _ignore_sigint)],
                         ids=["ctrl-c", "sigterm", "ctrl-c-started-in-background"])
def test_interrupted_runner_cleans_up_and_keeps_old_outputs(out: Path, tmp_path: Path, signum: int, preexec):
    env = {**os.environ, "KPSS_OUTPUT_DIR": str(out)}
    command = [sys.executable, "-m", "kpss_lib.cli", "run", "--no-progress"]
    assert subprocess.run(command + [str(PARAMS_NB), "--name", "preruseny"], env=env).returncode == 0
    before = tree(out / "preruseny")
    marker = tmp_path / "bezi.txt"
    proc = subprocess.Popen(command + [str(SLEEP_NB), "-p", "seconds", "600", "-p", "marker", str(marker),
                                       "--name", "preruseny"], env=env, preexec_fn=preexec)
    # Signal only once the job is demonstrably running (its notebook wrote the marker);
    # the waits are generous bounds for a loaded machine, not expectations of speed.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not marker.exists() and proc.poll() is None:
        time.sleep(0.3)
    assert marker.exists(), "the sleeping notebook never started"
    proc.send_signal(signum)  # Ctrl+C, or systemd stopping the service
    try:
        code = proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert code == runner.EXIT_INTERRUPTED == 130
    assert tree(out / "preruseny") == before
    assert not list(out.glob(".preruseny.*"))  # no temporary folder, no lock file
    deadline = time.monotonic() + 60
    while _processes_in(out) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _processes_in(out)


def test_runs_with_its_own_kernel_whatever_jupyter_has(out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A notebook saved on another machine names a kernel that does not exist here, and the
    # Jupyter folders have no kernels at all: plain papermill fails with NoSuchKernel.
    empty = tmp_path / "jupyter-empty"
    for var, sub in (("JUPYTER_PATH", "path"), ("JUPYTER_DATA_DIR", "data"), ("JUPYTER_CONFIG_DIR", "config")):
        (empty / sub).mkdir(parents=True)
        monkeypatch.setenv(var, str(empty / sub))
    node = nbformat.read(PARAMS_NB, as_version=4)
    node.metadata.kernelspec = {"name": "conda-env-someone-else-py", "display_name": "Cizí", "language": "python"}
    foreign = tmp_path / "foreign_kernel.ipynb"
    nbformat.write(node, foreign)

    import papermill
    from jupyter_client.kernelspec import NoSuchKernel

    with pytest.raises(NoSuchKernel):
        papermill.execute_notebook(str(foreign), str(tmp_path / "plain.ipynb"), progress_bar=False)

    for mode in ("--cold-kernel", None):  # a fresh interpreter, and a kernel forked from a warm one
        assert kpss(str(foreign), "-p", "region", "Zlín", "--name", "jadro", *([mode] if mode else [])) == 0
        received = json.loads((out / "jadro" / "foreign-kernel" / "received.json").read_text(encoding="utf-8"))
        assert received["prefix"] == sys.prefix  # the kernel is this project's Python
        assert Path(received["executable"]).parent == Path(sys.executable).parent
        assert received["KPSS_DATA_DIR"] == str(config.data_dir().resolve())
        assert received["parent_pid"] == str(received["ppid"])
        manifest = json.loads((out / "jadro" / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["kernel"]["warm"] is (mode is None)

    assert kpss(str(PARAMS_NB), "--kernel", "no-such-kernel") == 2


def test_index_escapes_every_text():
    from kpss_lib.report import render_index

    evil = '<script>alert("x")</script>'
    job = runner.JobResult(
        name="zlin", notebook="nb.ipynb", parameters={"region": evil, "output_dir": "zlin"}, status="failed",
        started_at="2026-01-01T10:00:00+01:00", finished_at="2026-01-01T10:00:05+01:00", duration_s=5.0,
        executed_notebook="zlin.ipynb", error=f"ValueError: {evil}", label=evil, files=["zlin/mapa <1>.html"])
    manifest = {
        "run_name": "r", "status": "failed", "started_at": job.started_at, "finished_at": job.finished_at,
        "duration_s": 5.0, "workers": 1, "timeout_s": None, "package": {"version": "0.1.0"},
        "git": {"commit": None, "dirty": None}, "data": {"data_dir": evil, "files": []},
        "notebooks": [{"path": evil}], "run_file": None, "jobs": [job.to_dict()]}
    page = render_index(manifest)
    assert "<script>alert" not in page and page.count("&lt;script&gt;") >= 4
    assert 'href="zlin/mapa%20%3C1%3E.html"' in page
    assert "output_dir" not in page  # the runner's own parameter is not shown


def test_report_links_no_script_from_a_cdn(tmp_path: Path):
    """nbconvert's lab page would load require.js, MathJax, mermaid and widgets from cdnjs/unpkg."""
    from kpss_lib.report import export_report

    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("# Zpráva"),
                  nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
                      "display_data", data={"text/html": "<p>tabulka</p>", "text/plain": "tabulka"})])]
    book.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    source = tmp_path / "zprava.ipynb"
    nbformat.write(book, source)
    page = export_report(source, tmp_path / "zprava.html").read_text(encoding="utf-8")
    assert "<p>tabulka</p>" in page and "jp-Notebook" in page  # still nbconvert's lab page
    assert not re.search(r"<script[^>]*\ssrc=", page), re.findall(r"<script[^>]*>", page)
    for cdn in ("cdnjs", "unpkg", "require.min.js", "mathjax", "mermaid.esm"):
        assert cdn not in page.lower(), cdn


# --------------------------------------------------------------------------- browser

#: Requests a map may make to the network: base-map tiles only ({z}/{x}/{y} images).
BASE_TILE = re.compile(r"^https://[^/]*tile[^/]*/\d+/\d+/\d+\.png")

def _browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Chromium at /usr/bin/chromium")
    return sync_api


def _open_offline(playwright, url: str, screenshot: Path):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"])
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    blocked: list[str] = []

    def route(request_route):
        request_url = request_route.request.url
        if request_url.startswith(("file:", "data:", "about:", "blob:")):
            return request_route.continue_()
        blocked.append(request_url)
        return request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    return browser, page, blocked


def _save_screenshot(page, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(target, SCREENS / name)


@pytest.mark.slow
@pytest.mark.browser
def test_report_and_map_render_in_chromium_offline(out: Path, tmp_path: Path):
    sync_api = _browser()
    assert kpss(str(MAP_NB), "-p", "region", "Zlínský kraj", "--name", "mapa") == 0
    run = out / "mapa"
    report = run / "runner-map.html"
    assert "from kpss_lib" not in report.read_text(encoding="utf-8")  # no code in the report
    with sync_api.sync_playwright() as playwright:
        browser, page, blocked = _open_offline(playwright, report.as_uri(), tmp_path)
        try:
            frame_element = page.wait_for_selector("iframe", timeout=15000)
            frame = frame_element.content_frame()
            frame.wait_for_selector(".leaflet-container path.leaflet-interactive", timeout=15000)
            assert frame.locator(".leaflet-container").count() == 1
            paths = frame.locator("path.leaflet-interactive")
            assert paths.count() >= 1
            box = paths.first.bounding_box()
            assert box["width"] > 100 and box["height"] > 100  # the kraj fills the map, not a dot
            assert frame_element.bounding_box()["height"] > 300
            _save_screenshot(page, tmp_path, "runner_report.png")
            # Leaflet came from inside the report and nbconvert's CDN scripts are gone: nothing but
            # base-map tiles may ask the network.
            assert all(BASE_TILE.search(u) for u in blocked), blocked

            page.goto((run / "runner-map" / "map.html").as_uri())
            page.wait_for_selector(".leaflet-container path.leaflet-interactive", timeout=15000)
            _save_screenshot(page, tmp_path, "runner_map.png")

            page.goto((run / "index.html").as_uri())
            assert page.locator("tr.status-ok").count() == 1
            assert page.get_by_role("link", name="zpráva").count() == 1
            assert page.get_by_role("link", name="map.html", exact=True).count() == 1
            _save_screenshot(page, tmp_path, "runner_index.png")
        finally:
            browser.close()


def test_relative_file_parameters_are_made_absolute_and_hashed(tmp_path, monkeypatch):
    from kpss_lib import runner

    monkeypatch.chdir(tmp_path)
    (tmp_path / "vlastni.csv").write_text("id_sluzby\n1\n", encoding="utf-8")
    jobs = [runner.Job("a", tmp_path / "nb.ipynb", {"services_file": ["", "vlastni.csv"], "region": "7205"})]
    fixed = runner.plan._absolute_file_parameters(jobs[0].parameters)
    assert fixed["services_file"] == ["", str(tmp_path / "vlastni.csv")]
    assert fixed["region"] == "7205"  # not a file: unchanged
    files = runner.parameter_files([runner.Job("a", tmp_path / "nb.ipynb", fixed)])
    assert [f["path"] for f in files] == [str(tmp_path / "vlastni.csv")] and len(files[0]["sha256"]) == 64
