"""What notebooks show: Markdown that stays text, parameter checks, charts."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import kpss_lib as kpss
from kpss_lib import findings
from kpss_lib.errors import ConfigError, UnknownValueError


@pytest.fixture(autouse=True)
def _data(data_dir):
    return data_dir


def _render(markdown: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(markdown)


def test_summaries_keep_a_file_name_as_text(tmp_path, data_dir):
    """A services file named like a Markdown link and HTML renders as its name, with no link or tag."""
    own = tmp_path / "x[a](javascript:alert(1))<b>y.csv"
    own.write_bytes((data_dir / "socialni_sluzby_seniori_2026-09.csv").read_bytes())
    study = kpss.open_study("ORP Otrokovice", level="obec", services="13", services_file=str(own))
    table = kpss.coverage_table(study, total=True)
    page = _render(findings.method_box(study))
    assert 'href="javascript' not in page and "<b>" not in page
    assert "x[a](javascript:alert(1))&lt;b&gt;y.csv" in page
    text = _render(findings.key_findings(study, table, kpss.nearest_table(study), kpss.default_measure(table)))
    spots = kpss.white_spots_table(study)
    assert f"{len(spots[spots['white_spot_all']])} obcí" in text


def test_distance_bands_cover_the_whole_target_population(data_dir):
    for cost, names in (("straight", ["do 2 km", "2–5 km", "5–10 km", "10–20 km", "nad 20 km"]),
                        ("drive", ["do 10 min", "10–20 min", "20–30 min", "nad 30 min"])):
        study = kpss.open_study("Zlínský kraj", level="obec", services="13", catchment_km=None, catchment_min=None,
                                cost=cost)
        obce = kpss.nearest_table(study)
        bands = kpss.distance_bands(obce, study)
        assert bands.iloc[:, 0].sum() == pytest.approx(obce["population"].sum())
        assert bands["podíl (%)"].sum() == pytest.approx(100, abs=0.3)
        assert list(bands.index) == names


def test_charts_are_saved_and_closed(tmp_path, data_dir):
    import matplotlib.pyplot as plt

    study = kpss.open_study(within="Zlínský kraj", level="orp", services="13")
    table = kpss.compare_table(study)
    indicator = f"per_1000_{kpss.default_measure(table)}"
    before = set(plt.get_fignums())
    fig = kpss.plots.capacity_chart(table, indicator, study.population, tmp_path / "a.png")
    kpss.plots.need_supply_chart(table, indicator, study.population, tmp_path / "b.png")
    assert set(plt.get_fignums()) == before  # nothing left open to be shown twice
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "b.png").stat().st_size > 0
    assert [ax.get_title() for ax in fig.axes][0] == kpss.column_label(indicator, "65+")


def test_planning_parameter_checks(tmp_path):
    with pytest.raises(ConfigError, match="parametr partners_file: soubor 'chybi.csv' neexistuje"):
        kpss.check_files(partners_file="chybi.csv", projects_file="")
    assert kpss.project_ids(" a, ,b ") == ["a", "b"] and kpss.project_ids("") is None
    frame = pd.DataFrame({"project_id": ["a", "b", "c"]})
    assert kpss.only_projects(frame, ["c", "a"])["project_id"].tolist() == ["a", "c"]
    with pytest.raises(UnknownValueError, match="projekty x v datech nejsou; známé: a, b, c"):
        kpss.only_projects(frame, ["a", "x"])
    with pytest.raises(UnknownValueError, match=re.escape("level='kraj'")):
        kpss.participation_area("Jihomoravský kraj", "kraj")
    with pytest.raises(UnknownValueError, match="je jediné ORP"):
        kpss.participation_area("ORP Otrokovice", "orp")
    assert kpss.participation_area("ORP Otrokovice", "obec").code == "7205"
