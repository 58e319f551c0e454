"""Reports a coordinator can forward: a real ``kpss run`` on two ORP of Zlínský kraj, read as its readers would."""
from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from notebook_run import PARAMS
from runner_support import kpss

import kpss_lib as k
from kpss_lib import findings
from kpss_lib.errors import DataFileError, ValidationError
from kpss_lib.overview import read_summary, write_summary
from kpss_lib.report import render_index

pytestmark = pytest.mark.slow

ORPS = ("ORP Zlín", "ORP Uherský Brod")
SERVICES = "domovy pro seniory, domovy se zvláštním režimem, pečovatelská služba"


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_dir) -> Path:
    """The default run file, fanned out over two ORP only."""
    root = tmp_path_factory.mktemp("reports")
    assert kpss(str(PARAMS / "seniori_zlinsky_kraj.yml"), "--fan-out-values", *ORPS, "--output-dir", str(root)) == 0
    return root / "seniori-zlinsky-kraj"


@pytest.fixture(scope="module")
def study(data_dir):
    return k.open_study("ORP Uherský Brod", level="obec", services=SERVICES, population="65+")


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts, with the header row's cells marked."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class", ""), "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> list[dict]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _report(run: Path, name: str) -> str:
    return (run / f"{name}.html").read_text(encoding="utf-8")


def test_region_report_opens_with_findings_and_has_no_instructions(run):
    page = _report(run, "orp-uhersky-brod")
    body = re.sub(r"<iframe\b.*?</iframe>", "<iframe></iframe>", page[page.index("<body"):], flags=re.S)
    findings_at = body.index("Hlavní zjištění")
    assert findings_at < body.index("Mapa") < body.index("Ukazatele podle obcí") < body.index("Vyřazené záznamy")
    assert findings_at < body.index("<table")
    assert "Jak bylo počítáno" in body and "Služby v území" in body
    # the default run measures access by road (the road file is in the data folder): the report says so in minutes
    assert "Bez pobytové a ambulantní služby do 15 min" in body and "jízdní doba po silnicích ArcČR 500" in body
    for instruction in ("KPSS_DATA_DIR", "services_file", "kpss_lib", "v buňce níže", "kpss run"):
        assert instruction not in body


def test_region_report_tables_are_for_reading(run, study):
    page = _report(run, "orp-uhersky-brod")
    tables = [t for t in _tables(page) if "kpss-table" in t["class"]]
    assert tables and not [t for t in _tables(page) if "dataframe" in t["class"]]  # no pandas tables left
    decimal_point = re.compile(r"^[−-]?\d+\.\d+$")
    for table in tables:
        header, *rows = table["rows"]
        assert header[0] != "" and all(header)  # no unnamed index column
        assert not [cell for row in rows for cell in row if decimal_point.match(cell)]
    indicators = next(t for t in tables if t["rows"][0][0] == "Územní jednotka")
    names = [row[0] for row in indicators["rows"][1:]]
    assert names[-1] == "ORP Uherský Brod celkem"
    assert names[:-1] == sorted(names[:-1], key=findings.czech_key)
    # no column that is zero in every row
    for column in range(1, len(indicators["rows"][0])):
        assert any(row[column] not in ("0", "0,0", "0,00", "–") for row in indicators["rows"][1:])
    services = next(t for t in tables if t["rows"][0][:3] == ["Služba", "Poskytovatel", "IČO"])
    assert len(services["rows"]) - 1 == len(findings.services_table(study)) > 0


def test_only_rejected_records_that_may_touch_the_territory(run, study):
    here = findings.territory_rejected(study)
    assert 0 < len(study.rejected) and len(here) < len(study.rejected)
    assert set(here.loc[here["kraj_known"], "kraj_code"]) <= {"CZ072"}
    assert here["type_code"].astype(str).isin(set(study.places["type_code"].astype(str))).all()
    page = _report(run, "orp-uhersky-brod")
    tables = [t for t in _tables(page) if t["rows"] and "Důvod" in t["rows"][0]]
    listed = len(tables[0]["rows"]) - 1 if tables else 0
    assert listed == len(here)
    full = pd.read_csv(run / "orp-uhersky-brod" / "vyrazene_zaznamy.csv", sep=";", encoding="utf-8-sig")
    assert len(full) == len(study.rejected)  # the whole list stays in the run folder
    if tables:
        reasons = [row[tables[0]["rows"][0].index("Důvod")] for row in tables[0]["rows"][1:]]
        assert not [r for r in reasons if re.search(r"\b(unknown|duplicate|expected)\b", r)]


def test_white_spots_are_split_by_what_removes_them(data_dir):
    kraj = k.open_study("Zlínský kraj", level="obec", services=SERVICES, population="65+")
    table = k.coverage_table(kraj, total=True)
    obce = k.nearest_table(kraj)
    assert (obce["white_spot_all"] == (obce["white_spot"] & ~obce["terrain_reached"])).all()
    day = obce[obce["white_spot"]]
    assert (day["cost_fixed"].fillna(float("inf")) > kraj.settings.radius).all()
    text = findings.key_findings(kraj, table, obce, k.default_measure(table))
    assert text.startswith("## Hlavní zjištění")
    if len(day) > obce["white_spot_all"].sum():  # the assumed terrain reach decides: the text says so
        assert "rozhoduje předpoklad" in text
        assert all(k.markdown_text(name) in text for name in day.sort_values("population").obec_name.tail(3))


def test_run_overview_lists_every_job_with_its_figures(run):
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    page = (run / "index.html").read_text(encoding="utf-8")
    figures = next(t for t in _tables(page) if "sortable" in t["class"])
    assert len(figures["rows"]) - 1 == len(manifest["jobs"]) == len(ORPS)
    assert [row[0] for row in figures["rows"][1:]] == [o.removeprefix("ORP ") for o in ORPS]
    assert sorted(row[1] for row in figures["rows"][1:]) == ["1", "2"]  # rank by capacity per 1 000
    for job in manifest["jobs"]:
        summary = read_summary(run / job["name"])
        assert summary["region"]["level"] == "orp"
        assert f'href="{job["report"]}"' in page
    assert "(+0000)" not in page and "UTC" not in page
    assert "Bílé místo: vzdálenost (km):" in page and "radius_km:" not in page
    assert "<script src" not in page  # sorting is inline
    overview_map = (run / "prehled_mapa.html").read_text(encoding="utf-8")
    assert 'src="prehled_mapa.html"' in page and "Vyškovec" in overview_map


def test_a_failed_job_shows_in_the_overview_table(run):
    manifest = copy.deepcopy(json.loads((run / "manifest.json").read_text(encoding="utf-8")))
    manifest["jobs"][1].update(status="failed", error="RegionNotFoundError: …", report=None)
    manifest["status"] = "partial"
    page = render_index(manifest, run)
    figures = next(t for t in _tables(page) if "sortable" in t["class"])
    failed = figures["rows"][2]
    assert failed[0] == manifest["jobs"][1]["label"] and "chyba" in failed[2]
    assert "1 s chybou" in page


def test_summary_schema_is_checked(tmp_path):
    good = {"title": "t", "region": {"code": "7213", "name": "Zlín", "level": "orp"},
            "figures": [{"key": "per_1000", "label": "Kapacita na 1 000", "value": 19.9, "unit": "",
                         "format": "dec1"}], "notes": [], "obce": []}
    assert read_summary(write_summary(tmp_path, good).parent) == good
    with pytest.raises(ValidationError, match=r"figures\[0\] expected key, label, value"):
        write_summary(tmp_path, {**good, "figures": [{"key": "x", "value": "19,9"}]})
    (tmp_path / "summary.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataFileError, match="summary.json: not a kpss summary"):
        read_summary(tmp_path)


def test_czech_order():
    names = ["Zlín", "Chvalčov", "Čeladná", "Hulín", "Cetechovice", "Žítková", "Řetechov", "Absolonova"]
    assert sorted(names, key=findings.czech_key) == ["Absolonova", "Cetechovice", "Čeladná", "Hulín", "Chvalčov",
                                                     "Řetechov", "Zlín", "Žítková"]


def test_map_classes_are_shared_over_the_kraj(study):
    other = k.with_region(study, "ORP Zlín")
    column = f"access_per_1000_{k.default_measure(k.coverage_table(study, total=True))}"
    assert list(findings.kraj_breaks(study, column)) == list(findings.kraj_breaks(other, column))


def test_chart_ticks_are_czech(data_dir, tmp_path):
    compared = k.open_study(within="Zlínský kraj", level="orp", services="13")
    table = k.compare_table(compared)
    fig = k.plots.need_supply_chart(table, f"per_1000_{k.default_measure(table)}", compared.population)
    formatter = fig.axes[0].yaxis.get_major_formatter()
    assert formatter(2.5, 0) == "2,5" and formatter(12000, 0) == "12\u00a0000"
