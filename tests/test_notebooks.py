"""The coverage and comparison notebooks run under papermill, and their run files plan correctly."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from notebook_run import NOTEBOOKS, PARAMS, run_notebook

papermill = pytest.importorskip("papermill")


pytestmark = pytest.mark.slow


def _run(name: str, tmp_path: Path, **parameters) -> str:
    """Run a notebook with its outputs in tmp_path/out; the text of its outputs."""
    return run_notebook(name, tmp_path, **{"output_dir": str(tmp_path / "out"), **parameters})


@pytest.mark.parametrize("name", ["coverage_map", "compare_regions"])
def test_committed_without_outputs_and_one_parameters_cell(name):
    from papermill.translators import PythonTranslator

    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tagged = [c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    declared = [p.name for p in PythonTranslator.inspect(tagged[0])]
    assert {"region" if name == "coverage_map" else "regions", "services", "population", "radius_km",
            "output_dir"} <= set(declared)
    assigned = [line.split("=")[0].strip() for line in tagged[0].source.splitlines()
                if line.strip() and not line.startswith("#")]
    assert declared == assigned
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_coverage_notebook_for_one_orp(tmp_path, data_dir):
    text = _run("coverage_map", tmp_path, region="ORP Otrokovice", level="obec",
                services="domovy pro seniory, pečovatelská služba", radius_km=5.0, cost="straight")
    assert "Území: ORP Otrokovice (7205)" in text
    assert "Nejhorší dostupnost (2SFCA)" in text and "Bez pobytové a ambulantní služby do 5 km" in text
    out = tmp_path / "out"
    assert {"map.html", "ukazatele.xlsx", "bila_mista.csv", "obce.csv"} <= {p.name for p in out.iterdir()}
    table = pd.read_excel(out / "ukazatele.xlsx", sheet_name="Ukazatele", dtype={"Kód jednotky": str})
    assert len(table) == 11 and table["Kód jednotky"].iloc[-1] == "7205"  # 10 obcí + ORP
    assert "Kapacita – terénní, klienti" in table.columns
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "Otrokovice" in page and "leaflet" in page.lower()


def test_compare_notebook_for_named_regions(tmp_path, data_dir):
    text = _run("compare_regions", tmp_path, regions=["ORP Otrokovice", "ORP Zlín", "Otrokovicko"], within="")
    assert "Sociálně podobná ORP" in text and "Otrokovicko" in text
    out = tmp_path / "out"
    assert {"map.html", "srovnani.xlsx", "kapacita_na_1000.png", "potreba_a_nabidka.png"} <= {
        p.name for p in out.iterdir()}
    table = pd.read_excel(out / "srovnani.xlsx", sheet_name="Ukazatele")
    assert table["Území"].tolist() == ["Otrokovice", "Zlín", "Otrokovicko"]


def _texts(book_path: Path, kinds: tuple[str, ...]) -> str:
    book = nbformat.read(book_path, as_version=4)
    return "\n".join(out["data"].get(kind, "") for cell in book.cells for out in cell.get("outputs", [])
                     for kind in kinds if "data" in out)


def _report(executed: Path) -> str:
    """The HTML report ``kpss run`` makes of an executed notebook (Markdown rendered, no code)."""
    from kpss_lib.report import export_report

    return export_report(executed, executed.with_suffix(".html")).read_text(encoding="utf-8")


_OWN_COLUMNS = ["id_sluzby", "nazev_sluzby", "poskytovatel", "ico", "druh", "forma", "kapacita", "jednotka_kapacity",
                "kod_obce", "adresa", "lat", "lon", "datum_od", "datum_do", "stav"]
_PLANNED_HOME = ["vlastni-1", "Domov Nová Dědina (plán)", "Obec Nová Dědina", "", "domovy pro seniory", "pobytová",
                 "30", "lůžka", "588814", "", "", "", "2027-01-01", "", "plánovaná"]


def test_coverage_notebook_with_own_services_escapes_and_dates_from_the_data(tmp_path, data_dir):
    """Another catalogue (its date in the name) plus an analyst's template whose name and a bad row hold HTML."""
    catalogue = tmp_path / "socialni_sluzby_seniori_2027-03.csv"
    catalogue.write_bytes((data_dir / "socialni_sluzby_seniori_2026-09.csv").read_bytes())
    own = tmp_path / "vlastni_<b>x.csv"
    pd.DataFrame([_PLANNED_HOME,
                  ["vlastni-2", "Domov nikde", "Nikdo", "", "13", "pobytová", "10", "lůžka", "<b>999</b>", "",
                   "", "", "", "", "plánovaná"]], columns=_OWN_COLUMNS).to_csv(own, sep=";", index=False)
    _run("coverage_map", tmp_path, region="Otrokovicko", level="obec", services="13",
         services_file=[str(catalogue), str(own)])
    executed = tmp_path / "coverage_map.out.ipynb"
    markdown = _texts(executed, ("text/markdown",))
    html_out = _texts(executed, ("text/html",))
    page = _report(executed)
    assert "Vyřazené záznamy" in "\n".join(c.source for c in nbformat.read(executed, as_version=4).cells)
    # which input, and its date read from the file name, not a date written in the notebook
    # (Markdown escapes the names, so the rendered report shows them as they are)
    assert "soubor socialni_sluzby_seniori_2027-03.csv + soubor vlastni_&lt;b&gt;x.csv" in page
    assert "(3/2027)" in page and "9/2026" not in markdown and "září 2026" not in markdown
    assert "vyřazeno 60 záznamů vstupu služeb" in markdown.lower()
    # data text never goes into the page as markup
    assert "<b>x" not in markdown + html_out + page and "<b>999</b>" not in html_out + page
    assert "&lt;b&gt;999&lt;/b&gt;" in html_out and "Důvod" in html_out
    out = tmp_path / "out"
    rejected = pd.read_csv(out / "vyrazene_zaznamy.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert len(rejected) == 60 and (rejected["Hodnota"] == "<b>999</b>").sum() == 1
    table = pd.read_excel(out / "ukazatele.xlsx", sheet_name="Ukazatele", dtype={"Kód jednotky": str})
    dedina = table.set_index("Kód jednotky").loc["588814"]
    assert dedina["Kapacita – pobytová, lůžka"] == 30  # the planned home counts
    description = pd.read_excel(out / "ukazatele.xlsx", sheet_name="Popis").set_index("Položka")["Hodnota"]
    assert description["Vstup služeb"].endswith("soubor vlastni_<b>x.csv")


@pytest.mark.parametrize("name, parameters", [
    ("coverage_map", {"region": "Otrokovicko", "level": "obec"}),
    ("compare_regions", {"regions": ["ORP Otrokovice", "Otrokovicko"], "within": ""}),
])
def test_a_services_file_named_like_a_link_stays_text_in_the_report(tmp_path, data_dir, name, parameters):
    """A file named ``…[a](javascript:alert(98)).csv`` is shown by name, never as a clickable link."""
    own = tmp_path / "vlastni[a](javascript:alert(98)).csv"
    pd.DataFrame([_PLANNED_HOME], columns=_OWN_COLUMNS).to_csv(own, sep=";", index=False)
    _run(name, tmp_path, services="13", services_file=["", str(own)], **parameters)
    page = _report(tmp_path / f"{name}.out.ipynb")
    assert "soubor vlastni[a](javascript:alert(98)).csv" in page
    assert re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", page, re.IGNORECASE) is None


def test_coverage_notebook_maps_the_largest_measure(tmp_path, data_dir):
    """pečovatelská služba: terrain clients (≈272 in Zlínský kraj) over ambulant ones (16), as kpss map does."""
    text = _run("coverage_map", tmp_path, region="ORP Zlín", level="obec", services="pečovatelská služba")
    assert "(terénní, klienti)" in text and "(ambulantní, klienti)" not in text


def test_compare_notebook_within_a_micro_region(tmp_path, data_dir):
    text = _run("compare_regions", tmp_path, regions=[], within="Otrokovicko", services="13")
    assert "Kroměříž (část: 1 obec z 46)" in text and "Otrokovice (část: 8 obcí z 10)" in text
    assert "vyřazeno 59 záznamů vstupu služeb" in text.lower()
    assert "(9/2026)" in text and "lidé v exekuci 2021" in text
    out = tmp_path / "out"
    assert len(pd.read_csv(out / "vyrazene_zaznamy.csv", sep=";", encoding="utf-8-sig")) == 59
    table = pd.read_excel(out / "srovnani.xlsx", sheet_name="Ukazatele")
    assert table["Jen část jednotky v území"].tolist() == ["ano", "ano"]


@pytest.mark.parametrize("parameters, message", [
    ({"region": "Zlínsky krj"}, "Zlínský kraj (kraj CZ072)"),
    ({"services": "domov"}, "ambiguous"),
    ({"radius_km": -1.0}, "radius_km"),
    ({"level": "county"}, "parametr level"),
])
def test_coverage_notebook_rejects_bad_parameters_at_the_top(tmp_path, data_dir, parameters, message):
    with pytest.raises(papermill.PapermillExecutionError, match=re.escape(message)) as failed:
        _run("coverage_map", tmp_path, **parameters)
    assert failed.value.exec_count == 3  # the validation cell, before any computation


def test_run_files_plan(data_dir):
    from kpss_lib.runner import load_run_file, plan_run

    name, jobs = plan_run(load_run_file(PARAMS / "seniori_zlinsky_kraj.yml"))
    assert name == "seniori-zlinsky-kraj" and len(jobs) == 13
    assert {job.parameters["region"] for job in jobs} >= {"7205", "7213"}
    assert all(job.parameters["level"] == "obec" for job in jobs)
    name, jobs = plan_run(load_run_file(PARAMS / "orp_jihomoravsky_kraj.yml"))
    assert name == "orp-jihomoravsky-kraj" and len(jobs) == 1
    assert jobs[0].parameters["within"] == "Jihomoravský kraj"
