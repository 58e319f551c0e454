"""The run-level cache: a run's common study is opened once and its jobs' tables are the same as without it.

In-process: :func:`kpss_lib.runcache.prepare` for the arguments of the Zlínský kraj run
file, then ``open_study`` as the coverage notebook calls it; through ``kpss run``: a
small notebook (tests/data/runner_study.ipynb) that writes its tables and whether its
study came from the cache, with warm kernels (cache) and cold ones (no cache).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kpss_lib import runcache, runner
from kpss_lib.errors import RegionNotFoundError, UnknownValueError
from kpss_lib.study import coverage_table, nearest_table, open_study, white_spots_table
from runner_support import DATA, out  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parent.parent
RUN_FILE = REPO / "notebooks" / "params" / "seniori_zlinsky_kraj.yml"
STUDY_NB = DATA / "runner_study.ipynb"
TABLES = ("ukazatele.csv", "bila_mista.csv", "obce.csv", "kraje.csv")


@pytest.fixture
def memo():
    runcache.clear()
    yield
    runcache.clear()


def _notebook_call(region: str, parameters: dict) -> dict:
    """The keywords coverage_map.ipynb passes to open_study, from a job's parameters."""
    names = ("level", "services", "population", "services_file", "radius_km", "terrain_radius_km", "catchment_km")
    return {"region": region, "forms": "", "what": "parametr", **{n: parameters[n] for n in names}}


def _tables(study) -> dict[str, str]:
    return {"coverage": coverage_table(study, total=True).to_csv(),
            "cz": coverage_table(study, region="CZ", level="kraj", total=True).to_csv(),
            "white_spots": white_spots_table(study).to_csv(), "nearest": nearest_table(study).to_csv()}


def test_run_arguments_are_what_every_job_shares_without_the_region():
    _, jobs = runner.plan_run(runner.load_run_file(RUN_FILE))
    (arguments,) = runcache.run_arguments(jobs)
    assert "region" not in arguments and "output_dir" not in arguments
    assert arguments["population"] == "65+" and arguments["radius_km"] == 10.0
    assert arguments["forms"] == ""  # the notebook's declared default, as a value
    assert runcache.common_arguments(jobs) == [arguments]
    assert json.loads(json.dumps(arguments)) == arguments  # what a forkserver receives


def test_a_prepared_study_gives_the_same_tables_as_a_fresh_one(memo):
    _, jobs = runner.plan_run(runner.load_run_file(RUN_FILE))
    parameters = {**runcache.run_arguments(jobs)[0], **jobs[0].parameters}
    call = _notebook_call(jobs[0].parameters["region"], parameters)
    fresh = open_study(**call)
    assert "basis" not in fresh.__dict__  # nothing remembered: computed by the study itself
    expected = _tables(fresh)

    assert runcache.prepare(runcache.run_arguments(jobs)) == 1
    cached = open_study(**call)
    assert "basis" in cached.__dict__  # served by the memo, national basis included
    assert cached.region == fresh.region and len(cached.region.obce) < 200
    assert _tables(cached) == expected  # byte for byte
    other = open_study(**{**call, "region": jobs[-1].parameters["region"]})
    assert other.region != cached.region and other.basis is cached.basis


def test_what_the_helper_process_computes_is_what_is_computed_here(memo):
    import pandas as pd

    _, jobs = runner.plan_run(runner.load_run_file(RUN_FILE))
    good = runcache.run_arguments(jobs)[0]
    keyword_sets = [good, {**good, "radius_km": -1.0}]  # the second cannot be opened
    pending = runcache.start_helper(keyword_sets)
    computed = pending.collect()
    assert set(computed) == {0}  # the bad set is left to its jobs, which report its error
    parts = computed[0]
    here = open_study("CZ", **good)
    pd.testing.assert_frame_equal(parts["basis"].obce, here.basis.obce, check_exact=True)
    pd.testing.assert_frame_equal(parts["basis"].attributions, here.basis.attributions, check_exact=True)
    assert (parts["basis"].measures, parts["basis"].population) == (here.basis.measures, here.basis.population)
    assert list(parts["_method_notes"]) == here.method_notes()
    reference = coverage_table(here, region="CZ", level="kraj", total=True)
    (shipped,) = parts["_reference_tables"].values()
    assert shipped.to_csv() == reference.to_csv() and shipped.attrs == reference.attrs
    assert runcache.prepare(keyword_sets, computed) == 1
    study = open_study(**_notebook_call(jobs[0].parameters["region"], good))
    assert study.basis is parts["basis"]  # the jobs get the helper's work
    assert runcache.not_remembered(keyword_sets) == [keyword_sets[1]]


def test_the_cz_reference_is_aggregated_once_per_run(memo, monkeypatch: pytest.MonkeyPatch):
    import kpss_lib.study

    _, jobs = runner.plan_run(runner.load_run_file(RUN_FILE))
    call = _notebook_call(jobs[0].parameters["region"], {**runcache.run_arguments(jobs)[0]})
    expected = coverage_table(open_study(**call), region="CZ", level="kraj", total=True)
    runcache.prepare(runcache.run_arguments(jobs))
    calls = []
    aggregate = kpss_lib.study._coverage.indicator_table
    monkeypatch.setattr(kpss_lib.study._coverage, "indicator_table",
                        lambda *a, **k: calls.append(a) or aggregate(*a, **k))
    study = open_study(**call)
    reference = coverage_table(study, region="CZ", level="kraj", total=True)
    assert calls == []  # served by the run-level cache
    assert reference.to_csv() == expected.to_csv() and reference.attrs == expected.attrs
    reference.loc[reference.index[0], "population"] = -1  # a job changing its copy changes no other job's
    assert coverage_table(study, region="CZ", level="kraj", total=True).to_csv() == expected.to_csv()
    assert len(reference) == 15  # 14 kraje and the total
    coverage_table(study, total=True)  # the job's own region is aggregated as usual
    assert len(calls) == 1


def test_other_arguments_or_inputs_miss_the_memo(memo, tmp_path: Path):
    _, jobs = runner.plan_run(runner.load_run_file(RUN_FILE))
    assert runcache.prepare(runcache.run_arguments(jobs)) == 1
    call = _notebook_call("ORP Zlín", {**runcache.run_arguments(jobs)[0]})
    assert "basis" in open_study(**call).__dict__
    assert "basis" not in open_study(**{**call, "radius_km": 12.0}).__dict__
    assert "basis" not in open_study(**{**call, "population": "80+"}).__dict__
    # The same catalogue from another file: another input, so the study is opened anew.
    from kpss_lib import config

    copy = tmp_path / "katalog.csv"
    shutil.copyfile(config.data_dir() / "socialni_sluzby_seniori_2026-09.csv", copy)
    assert "basis" not in open_study(**{**call, "services_file": str(copy)}).__dict__
    # Bad values are still refused by open_study itself, with its messages.
    with pytest.raises(RegionNotFoundError):
        open_study(**{**call, "region": "Zlínn nad Nic"})
    with pytest.raises(UnknownValueError, match="parametr radius_km"):
        open_study(**{**call, "radius_km": -1.0})
    with pytest.raises(UnknownValueError, match="level"):
        open_study(**{**call, "level": "ulice"})


def test_run_jobs_share_the_study_and_write_the_same_tables_as_cold_kernels(out: Path):
    jobs = [runner.Job(name=slug, notebook=STUDY_NB, parameters={"region": region}, label=region)
            for slug, region in (("zlin", "ORP Zlín"), ("vsetin", "ORP Vsetín"))]
    warm = runner.run_jobs(jobs, "s-cache", workers=2, progress=False, output_root=out)
    cold = runner.run_jobs(jobs, "bez-cache", workers=2, progress=False, output_root=out, warm_kernel=False)
    assert [j.status for j in warm.jobs + cold.jobs] == ["ok"] * 4
    for job in jobs:
        with_cache, without = out / "s-cache" / job.name, out / "bez-cache" / job.name
        assert (with_cache / "from_cache.txt").read_text() == "true"
        assert (without / "from_cache.txt").read_text() == "false"
        for table in TABLES:
            assert (with_cache / table).read_bytes() == (without / table).read_bytes(), (job.name, table)
    zlin, vsetin = (out / "s-cache" / name / "obce.csv" for name in ("zlin", "vsetin"))
    assert zlin.read_bytes() != vsetin.read_bytes()  # the jobs differ: the comparison above can fail
