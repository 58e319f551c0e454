"""The network-of-services notebook runs under papermill for Královéhradecký kraj and other inputs."""
from __future__ import annotations

import nbformat
import pandas as pd
import pytest
import yaml
from notebook_run import NOTEBOOKS, PARAMS, run_notebook

pytest.importorskip("papermill")
pytestmark = pytest.mark.slow


def test_committed_without_outputs_with_one_parameters_cell():
    from papermill.translators import PythonTranslator

    book = nbformat.read(NOTEBOOKS / "sit_sluzeb.ipynb", as_version=4)
    tagged = [c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    declared = {p.name for p in PythonTranslator.inspect(tagged[0])}
    run_file = yaml.safe_load((PARAMS / "sit_sluzeb_kralovehradecky_kraj.yml").read_text(encoding="utf-8"))
    assert run_file["notebook"] == "sit_sluzeb.ipynb" and set(run_file["parameters"]) <= declared
    assert all(c.outputs == [] and c.execution_count is None for c in book.cells if c.cell_type == "code")


def test_khk_run_file_shows_every_orp_and_group_with_a_map(tmp_path):
    run_file = yaml.safe_load((PARAMS / "sit_sluzeb_kralovehradecky_kraj.yml").read_text(encoding="utf-8"))
    text = run_notebook("sit_sluzeb", tmp_path, **run_file["parameters"], output_dir=str(tmp_path / "out"),
                        tiles=None)
    assert "pro tento vstup není k dispozici" in text and "Královéhradecký kraj" in text
    out = tmp_path / "out"
    summary = pd.read_excel(out / "sit_sluzeb.xlsx", dtype={"Kód jednotky": str})
    assert len(summary) == 15 * 4 and summary["Pracovní skupina"].nunique() == 4
    maps = sorted(p.name for p in out.glob("mapa_*.html"))
    assert maps == ["mapa_osoby-ohrozene-socialnim-vyloucenim.html", "mapa_osoby-se-zdravotnim-postizenim.html",
                    "mapa_rodiny-s-detmi.html", "mapa_seniori.html"]
    page = (out / "mapa_rodiny-s-detmi.html").read_text(encoding="utf-8")
    assert "Chybějící druhy – rodiny s dětmi" in page and "Broumov" in page and "azylové domy" in page
    reported = pd.read_csv(out / "nahlasene_zaznamy.csv", sep=";", dtype=str)
    assert {"PSS95", "PSS302", "PSS188"} <= set(reported["record"])


def test_the_same_notebook_with_the_catalogue_on_its_date(tmp_path):
    text = run_notebook("sit_sluzeb", tmp_path, region="Liberecký kraj", source="", output_dir=str(tmp_path / "out"),
                        tiles=None)
    shown = text.replace("\\", "")  # Markdown escapes of the data text
    assert "ke dni 4. 9. 2026" in shown and "31. 12. 2020" in shown
    reported = pd.read_csv(tmp_path / "out" / "nahlasene_zaznamy.csv", sep=";", dtype=str)
    assert "mpsv-3955" in set(reported["record"])
