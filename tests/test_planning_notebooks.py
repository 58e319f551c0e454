"""The planning notebooks run under papermill, on the project's data and on an analyst's own files."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kpss_lib.load import planning
from kpss_lib.load.tables import read_table

papermill = pytest.importorskip("papermill")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PARAMS = NOTEBOOKS / "params"

pytestmark = pytest.mark.slow


def _run(name: str, tmp_path: Path, **parameters) -> str:
    """Execute a notebook into tmp_path and return the text of all its outputs."""
    output = tmp_path / f"{name}.out.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(output), parameters=parameters,
                               kernel_name="python3", cwd=str(tmp_path), progress_bar=False)
    book = nbformat.read(output, as_version=4)
    texts = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            elif "data" in out:
                texts.append(out["data"].get("text/plain", ""))
                texts.append(out["data"].get("text/html", ""))
    return "\n".join(texts)


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
    table = read_table(tmp_path / "vystup" / "ucast.csv")
    assert len(table) == 21 and (table["participates"] == "True").sum() == 17


def test_partners_on_an_analysts_file_from_the_template(tmp_path):
    path = planning.write_partners_template(tmp_path / "partneri.xlsx")
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
    # Otrokovicko 80 % EU / 8 % state / 12 % town, as shares 0–1 with a decimal comma.
    row = next(r for r in _table_rows(text) if "otrokovicko_2005" in r and "1 378 430" in r)
    assert "0,80" in row and "0,08" in row and "0,12" in row


def test_funding_on_an_analysts_file_from_the_template(tmp_path):
    path = planning.write_projects_template(tmp_path / "projekty.csv")
    header = list(read_table(path).columns)
    rows = [{"ID projektu": "kp_zlin", "Název projektu": "KPSS Zlín 2024", "Začátek": "1. 3. 2024",
             "Konec": "2/2026", "Celkové náklady [Kč]": "2 000 000", "Území – úroveň": "obec",
             "Území – kód": "585068", "EU/ESF [Kč]": "1 700 000", "státní rozpočet [Kč]": "100 000",
             "obec [Kč]": "200 000"}]
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, sep=";", encoding="cp1250")
    text = _run("funding", tmp_path, projects_file=str(path))
    assert "kp_zlin" in text and "otrokovicko_2005" not in text
    assert any("kp_zlin" in r and "0,85" in r for r in _table_rows(text))    # ESF share of 2 000 000
    # Zlín had 74 478 inhabitants (ČSÚ 31 Dec 2020): 2 000 000 / 74 478 = 26,9 Kč per inhabitant.
    assert any("kp_zlin" in r and "74 478" in r and "26,9" in r for r in _table_rows(text))


def test_funding_inconsistent_file_fails_with_the_report(tmp_path):
    path = planning.write_projects_template(tmp_path / "projekty.csv")
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


def test_monitoring_on_a_filled_template(tmp_path):
    plan = planning.load_plan()
    path = planning.write_monitoring_template(tmp_path / "monitoring.xlsx", plan)
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


@pytest.mark.parametrize("run_file", sorted(PARAMS.glob("*.yml")) if PARAMS.is_dir() else [],
                         ids=lambda p: p.stem)
def test_run_files_run(run_file, tmp_path):
    # The run files of `kpss run` (notebooks/params/*.yml) for these notebooks run as they are.
    from kpss_lib import runner

    spec = runner.load_run_file(run_file)
    if spec.notebook.stem not in ("partners", "funding", "plan_monitoring"):
        pytest.skip(f"{run_file.name} runs another notebook")
    runner.check_parameters(spec.notebook, spec.parameters)
    _run(spec.notebook.stem, tmp_path, **spec.parameters, output_dir="job")
    assert any((tmp_path / "job").iterdir())
