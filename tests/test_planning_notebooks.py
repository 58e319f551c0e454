"""The planning notebooks run under papermill, on the project's data and on an analyst's own files."""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from notebook_run import NOTEBOOKS, PARAMS, run_notebook

from kpss_lib.load import partners, plans, projects
from kpss_lib.load.tables import read_table
from kpss_lib.report import export_report

papermill = pytest.importorskip("papermill")


pytestmark = pytest.mark.slow


_run = run_notebook


def _report(name: str, tmp_path: Path, **parameters) -> str:
    """Execute a notebook and export it as `kpss run` does (kpss_lib.report); the report's HTML."""
    _run(name, tmp_path, **parameters)
    return export_report(tmp_path / f"{name}.out.ipynb", tmp_path / f"{name}.html").read_text(encoding="utf-8")


# Data text an analyst's file may carry: it must reach the report as text, never as markup.
HOSTILE = "<img src=x onerror=alert(1)>"
BOLD = "<b>tučně</b>"


def _assert_escaped(page: str, *raw: str) -> None:
    """No data text is live HTML: neither in the report nor inside a map frame's page."""
    frames = [html.unescape(doc) for doc in re.findall(r'srcdoc="([^"]*)"', page)]
    # A map frame's page is an attribute value of the report (checked on its own, decoded).
    outside = re.sub(r'srcdoc="[^"]*"', 'srcdoc=""', page)
    for text in [outside, *frames]:
        for item in ("<img src=x", BOLD, *raw):
            # also as a JavaScript string escape, the way a map's popups carry text
            assert item not in text and item.replace("<", "\\u003c") not in text
        # onerror= may appear only as escaped text, never as an attribute of a tag (the
        # scripts are the report's and Leaflet's own code, not data).
        markup = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
        assert not re.search(r"<[a-z][^<>]*\bonerror=", markup)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def _table_rows(text: str) -> list[str]:
    """Rows of the HTML tables the notebook displayed (text/plain wraps wide tables)."""
    return [row.split("</tr>")[0] for row in text.split("<tr")[1:]]


@pytest.mark.parametrize("name", ["partners", "funding", "plan_monitoring"])
def test_committed_without_outputs_and_one_parameters_cell(name):
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tagged = [c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    # papermill must see every parameter (a "=" inside a comment hides it from `papermill --help-notebook`).
    from papermill.translators import PythonTranslator

    assigned = [line.split("=")[0].strip() for line in tagged[0].source.splitlines()
                if line.strip() and not line.startswith("#")]
    assert [p.name for p in PythonTranslator.inspect(tagged[0])] == assigned
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_partners_default_jmk_17_of_21_orp(tmp_path):
    text = _run("partners", tmp_path, output_dir="vystup")
    assert "Jihomoravský kraj: účastní se 17 z 21 jednotek (orp)" in text
    page = (tmp_path / "vystup" / "map.html").read_text(encoding="utf-8")
    assert "Slavkov u Brna" in page and "Počet partnerů projektů" in page
    # For Czech Excel: ';', UTF-8 with BOM, Czech headers, ano/ne.
    raw = (tmp_path / "vystup" / "ucast.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8-sig").startswith("Kód ORP;ORP;Účastní se;")
    table = read_table(tmp_path / "vystup" / "ucast.csv")
    assert len(table) == 21 and (table["Účastní se"] == "ano").sum() == 17


def test_partners_on_an_analysts_file_from_the_template(tmp_path):
    path = partners.write_partners_template(tmp_path / "partneri.xlsx")
    header = list(read_table(path).columns)
    rows = [
        {"Název": "Obec <Bělov>", "Druh": "obec", "Role v triádě": "zadavatel", "Kód obce": "588318",
         "ID projektu": "kp2024", "Role v projektu": "partner"},
        {"Název": "Město Otrokovice", "Druh": "obec", "Role v triádě": "zadavatel", "Kód obce": "585599",
         "ID projektu": "kp2024", "Role v projektu": "žadatel"},
        {"Název": "Spolek bez druhu", "Druh": "firma", "Kód obce": "585599", "ID projektu": "kp2024"},
    ]
    pd.DataFrame(rows, columns=header).to_excel(path, index=False)
    text = _run("partners", tmp_path, partners_file=str(path), region="ORP Otrokovice", level="obec",
                output_dir="mapa")
    assert "ORP Otrokovice (7205): účastní se 2 z 10 jednotek (obec)" in text
    assert "unknown kind" in text            # the bad row is reported, not dropped in silence
    assert "partner kind is empty" not in text
    page = (tmp_path / "mapa" / "map.html").read_text(encoding="utf-8")
    assert "Obec <Bělov>" not in page      # data text is escaped before it reaches the page
    assert "Obec \\u0026lt;Bělov\\u0026gt;" in page


def test_partners_rejects_a_bad_parameter(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="level='kraj'"):
        _run("partners", tmp_path, level="kraj")


def test_funding_default_shows_the_documents_projects(tmp_path):
    text = _run("funding", tmp_path)
    assert "ProjectData(5 projects, 9 funding rows)" in text
    assert "otrokovicko_2005" in text and "mezinarodni_2009" in text
    # Otrokovicko 80 % EU / 8 % state / 12 % town, in per cent with a decimal comma.
    row = next(r for r in _table_rows(text) if "otrokovicko_2005" in r and "1 378 430" in r)
    assert ">80,0<" in row and ">8,0<" in row and ">12,0<" in row
    assert "EU/ESF – podíl [%]" in text


def test_funding_on_an_analysts_file_from_the_template(tmp_path):
    path = projects.write_projects_template(tmp_path / "projekty.csv")
    header = list(read_table(path).columns)
    rows = [{"ID projektu": "kp_zlin", "Název projektu": "KPSS Zlín 2024", "Začátek": "1. 3. 2024",
             "Konec": "2/2026", "Celkové náklady [Kč]": "2 000 000", "Území – úroveň": "obec",
             "Území – kód": "585068", "EU/ESF [Kč]": "1 700 000", "státní rozpočet [Kč]": "100 000",
             "obec [Kč]": "200 000"}]
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, sep=";", encoding="cp1250")
    text = _run("funding", tmp_path, projects_file=str(path))
    assert "kp_zlin" in text and "otrokovicko_2005" not in text
    assert any("kp_zlin" in r and ">85,0<" in r for r in _table_rows(text))    # ESF share of 2 000 000
    # Zlín had 74 478 inhabitants (ČSÚ 31 Dec 2020): 2 000 000 / 74 478 = 26,9 Kč per inhabitant.
    assert any("kp_zlin" in r and "74 478" in r and "26,9" in r for r in _table_rows(text))


def test_funding_shows_the_valid_projects_and_lists_the_left_out_ones(tmp_path):
    path = projects.write_projects_template(tmp_path / "projekty.xlsx")
    header = list(read_table(path).columns)
    rows = [{"ID projektu": "dobry", "Název projektu": "Dobrý", "Začátek": "2024-01", "Konec": "2024-12",
             "Celkové náklady [Kč]": "1000", "EU/ESF [Kč]": "1000"},
            {"ID projektu": "spatny", "Název projektu": "Nesečtený", "Začátek": "2024-01", "Konec": "2024-12",
             "Celkové náklady [Kč]": "1000", "EU/ESF [Kč]": "900"}]
    pd.DataFrame(rows, columns=header).to_excel(path, index=False)
    text = _run("funding", tmp_path, projects_file=str(path))
    assert "ProjectData(1 projects, 1 funding rows; 1 projects left out, 1 problems)" in text
    assert "Vynechané projekty (1)" in text
    assert any("spatny" in r and "Nesečtený" in r for r in _table_rows(text))           # the left-out list
    assert any("add up to" in r and "row 3" in r for r in _table_rows(text))           # the problem
    assert any("dobry" in r and ">100,0<" in r for r in _table_rows(text))              # the valid project


def test_funding_report_escapes_an_analysts_data_text(tmp_path):
    path = projects.write_projects_template(tmp_path / "projekty.xlsx")
    header = list(read_table(path).columns)
    rows = [{"ID projektu": "<u>p1</u>", "Název projektu": HOSTILE, "Začátek": "2024-01", "Konec": "2025-06",
             "Celkové náklady [Kč]": "1000", "Program": "<script>alert(2)</script>", "EU/ESF [Kč]": "1000",
             "Poznámka": BOLD, "Území – úroveň": "obec", "Území – kód": "585068"},
            {"ID projektu": "p2", "Název projektu": HOSTILE, "Začátek": "2024-01", "Konec": "2024-12",
             "Celkové náklady [Kč]": "1000", "EU/ESF [Kč]": "<i>900</i>"}]
    pd.DataFrame(rows, columns=header).to_excel(path, index=False)
    page = _report("funding", tmp_path, projects_file=str(path))
    _assert_escaped(page, "<u>p1</u>", "<script>alert(2)", "<i>900</i>")
    assert "&lt;b&gt;tučně&lt;/b&gt;" in page and "&lt;u&gt;p1&lt;/u&gt;" in page
    assert "&lt;i&gt;900&lt;/i&gt;" in page                     # the rejected value, shown as text


def test_funding_inconsistent_file_fails_with_the_report(tmp_path):
    path = projects.write_projects_template(tmp_path / "projekty.csv")
    header = list(read_table(path).columns)
    rows = [{"ID projektu": "x", "Název projektu": "X", "Začátek": "2024-01", "Konec": "2024-12",
             "Celkové náklady [Kč]": "1000", "EU/ESF [Kč]": "900"}]
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    with pytest.raises(papermill.PapermillExecutionError, match="add up to"):
        _run("funding", tmp_path, projects_file=str(path))


def test_monitoring_default_without_records(tmp_path):
    text = _run("plan_monitoring", tmp_path)
    assert "Plan('zlin_2008_2012', 2008–2012, 4 target groups, 23 goals, 67 measures)" in text
    assert "Zatím není zaznamenán žádný monitoring" in text
    assert "obec Zlín (585068)" in text     # capacity section ran on the plan's area
    # The seniors-only catalogue has no night shelters: said so, not shown as 0 services.
    assert "Vstupní data služeb tyto druhy vůbec neobsahují" in text
    shelter = next(r for r in _table_rows(text) if ">4.4.1<" in r and "<td>noclehárny</td>" in r)
    assert "vstupní data tento druh nepokrývají" in shelter and "&lt;NA&gt;" in shelter


def test_monitoring_on_a_filled_template(tmp_path):
    plan = plans.load_plan()
    path = plans.write_monitoring_template(tmp_path / "monitoring.xlsx", plan)
    frame = read_table(path).astype(object)
    filled = {("4.4.1", 2010): ("probíhá", 2, 120000), ("4.4.1", 2011): ("splněno", 5, 80000),
              ("4.3.1", 2011): ("zrušeno", None, None), ("2.1.1", 2011): ("nezahájeno", None, None),
              ("9.9.9", 2011): ("probíhá", None, None)}
    for (measure, year), (state, actual, spent) in filled.items():
        mask = (frame["ID opatření"] == measure) & (frame["Rok"].astype(str).str[:4] == str(year))
        if not mask.any():
            frame.loc[len(frame), ["ID plánu", "ID opatření", "Rok"]] = [plan.plan_id, measure, year]
            mask = frame.index == len(frame) - 1
        frame.loc[mask, ["Stav", "Skutečná hodnota", "Čerpáno [Kč]"]] = [state, actual, spent]
    frame.to_excel(path, index=False)
    text = _run("plan_monitoring", tmp_path, monitoring_file=str(path), year=2011)
    assert "MonitoringData('zlin_2008_2012', 4 records" in text
    assert "unknown measure id" in text
    assert "Hodnocený rok: 2011" in text
    rows = _table_rows(text)
    assert any("4.3.1" in row and "zrušené" in row for row in rows)
    assert any("2.1.1" in row and "nezahájené" in row for row in rows)
    assert any("4.4.1" in row and "probíhá" in row and "splněno" in row for row in rows)  # change since 2010


PLAN_YAML = """\
plan_id: test_plan
name: "Plán <b>tučně</b>"
area: {level: obec, code: "585068", name: Zlín}
period: {start: 2010, end: 2011}
target_groups:
  - id: "1"
    name: "<img src=x onerror=alert(1)>"
    goals:
      - id: "1.1"
        name: "Cíl <script>alert(4)</script>"
        measures:
          - {id: "1.1.1", name: "<img src=x onerror=alert(1)>", service_type: noclehárny,
             indicator: {name: místa, target: 5, unit: místa}}
          - {id: "1.1.2", name: "Opatření dvě"}
"""


def test_monitoring_report_escapes_an_analysts_data_text(tmp_path):
    plan_path = tmp_path / "plan.yml"
    plan_path.write_text(PLAN_YAML, encoding="utf-8")
    monitoring = tmp_path / "monitoring.csv"
    monitoring.write_text("ID opatření;Rok;Stav;Skutečná hodnota;Poznámka\n"
                          "1.1.1;2010;probíhá;2;<b>tučně</b>\n"
                          "1.1.1;2011;zrušeno;;\n"
                          "1.1.2;2011;;;<script>alert(5)</script>\n", encoding="utf-8")
    page = _report("plan_monitoring", tmp_path, plan_name=str(plan_path), monitoring_file=str(monitoring))
    _assert_escaped(page, "<script>alert(4)", "<script>alert(5)")
    assert "Poznámka: &lt;script&gt;alert(5)&lt;/script&gt;" in page      # a note without a state, reported
    assert "Cíl &lt;script&gt;alert(4)&lt;/script&gt;" in page


def test_partners_report_escapes_an_analysts_data_text(tmp_path):
    path = tmp_path / "partneri.csv"
    path.write_text("Název;Druh;Kód obce;ID projektu;Poznámka\n"
                    f"{HOSTILE};obec;585599;<u>p</u>;{BOLD}\n"
                    f"{HOSTILE} 2;zahraniční partner;;<u>p</u>;{BOLD}\n"
                    "Špatný;<script>alert(6)</script>;585599;<u>p</u>;\n", encoding="utf-8")
    page = _report("partners", tmp_path, partners_file=str(path), region="ORP Otrokovice", level="obec")
    _assert_escaped(page, "<u>p</u>", "<script>alert(6)")
    assert "&lt;b&gt;tučně&lt;/b&gt;" in page and "&lt;script&gt;alert(6)&lt;/script&gt;" in page


# --------------------------------------------------------------------------- kpss run

PLANNING_NOTEBOOKS = ("partners", "funding", "plan_monitoring")
RUN_FILES = sorted(p for p in PARAMS.glob("*.yml") if p.stem.startswith(("partners_", "funding_", "monitoring_")))
HEADINGS = {
    "partners": ["Partneři komunitního plánování", "Kdo se účastnil kterého projektu", "Účast obcí a ORP na území",
                 "Mapa partnerů"],
    "funding": ["Financování projektů plánování", "Zdroje financování vedle sebe",
                "Náklady na obyvatele území projektu", "Výdaje po letech"],
    "plan_monitoring": ["Monitoring plánu", "Plnění po cílových skupinách a cílech", "Opatření zpožděná nebo zrušená",
                        "Změna proti předchozímu roku", "Dnešní registrovaná kapacita vedle opatření o druhu služby"],
}
#: What each run shows beside its headings, and the file its notebook saves into the job folder.
FACTS = {
    "partners_jmk": ("Jihomoravský kraj: účastní se 17 z 21 jednotek (orp)", "ucast.csv"),
    "partners_otrokovicko": ("ORP Otrokovice (7205): účastní se", "ucast.csv"),
    "funding_dokumenty": ("ProjectData(5 projects, 9 funding rows)", "financovani.csv"),
    "monitoring_zlin": ("Plan('zlin_2008_2012', 2008–2012", "plneni_cile.csv"),
}


def test_every_planning_run_file_is_tested():
    assert [p.stem for p in RUN_FILES] == sorted(FACTS)


@pytest.mark.parametrize("run_file", RUN_FILES, ids=lambda p: p.stem)
def test_run_files_run_with_kpss_run(run_file, tmp_path, monkeypatch):
    # Issue 6: the notebooks run "with `kpss run`": the runner's own kernel, export and folders.
    from kpss_lib import runner

    monkeypatch.setenv("KPSS_OUTPUT_DIR", str(tmp_path / "vystupy"))
    spec = runner.load_run_file(run_file)
    assert spec.notebook.stem in PLANNING_NOTEBOOKS
    result = runner.run_spec(spec, workers=1, progress=False)
    assert result.exit_code == 0, [job.error for job in result.jobs]
    assert result.output_dir == (tmp_path / "vystupy" / spec.name).resolve()
    (job,) = result.jobs
    page = (result.output_dir / job.report).read_text(encoding="utf-8")
    for heading in HEADINGS[spec.notebook.stem]:
        assert re.search(rf"<h[12][^>]*>{re.escape(heading)}", page), heading
    fact, saved = FACTS[run_file.stem]
    assert fact in page
    assert "Traceback" not in page
    assert (result.output_dir / job.name / saved).is_file()
    assert (result.output_dir / "index.html").is_file()


def test_funding_csv_is_for_czech_excel(tmp_path):
    _run("funding", tmp_path, output_dir="out")
    raw = (tmp_path / "out" / "financovani.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                      # UTF-8 with BOM: Excel reads the diacritics
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("ID projektu;Název;Začátek;Konec;Celkové náklady [Kč];EU/ESF [Kč];EU/ESF – podíl [%];")
    assert not re.search(r"[a-z_]+_czk|\[podíl\]", lines[0])       # no English or 0–1 share headers
    otrokovicko = next(line for line in lines if line.startswith("otrokovicko_2005;"))
    assert ";1378430,0;80,0;137843,0;8,0;" in otrokovicko
    kromeriz = next(line for line in lines if line.startswith("kromeriz_2012;"))
    assert ";1074012,4;85,0;189531,6;15,0;" in kromeriz
    assert not re.search(r"\d[,.]\d{3,}", "\n".join(lines[1:]))   # nothing like 0,7999997678518987
