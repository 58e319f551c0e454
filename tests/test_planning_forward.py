"""Planning forward on a Study (gap, scenario, siting), the change map, ``kpss plan`` and the notebook."""
from __future__ import annotations

import json

import numpy as np

import kpss_lib as kpss
import pandas as pd
import pytest

from kpss_lib import planning_forward as forward
from kpss_lib.cli import main
from kpss_lib.indicators.siting import best_sites_exhaustive
from kpss_lib.load.services import TEMPLATE_COLUMNS
from kpss_lib.maps.change import CHANGE_COLORS, change_breaks, change_map
from kpss_lib.mapio import map_html
from kpss_lib.study import open_study
from tests.notebook_run import run_notebook

ZLIN = "Zlínský kraj"


@pytest.fixture(scope="module")
def study():
    return open_study(ZLIN, services="domovy pro seniory")


def test_gap_per_orp_sums_gap_and_surplus_separately(study):
    table = forward.gap_for(study, "kraj")
    units, total = table.iloc[:-1], table.iloc[-1]
    assert len(units) == 13 and units["unit_code"].nunique() == 13  # the 13 ORP of the kraj
    assert total["gap"] == pytest.approx(units["gap"].sum()) and total["surplus"] == pytest.approx(units["surplus"].sum())
    assert ((units["gap"] == 0) | (units["surplus"] == 0)).all()
    # against the kraj's own value the ORP needs add up to the kraj's capacity: Σ gap = Σ surplus
    assert total["gap"] == pytest.approx(total["surplus"]) and total["gap"] > 0
    assert table.attrs["measure"] == "residential_beds"


def test_scenario_changes_only_what_the_file_says(study):
    register = study.services.places.copy()
    changes = forward.read_scenario_of(study, forward.EXAMPLE_SCENARIO)
    assert sorted(changes["change"]) == ["nová", "zrušení"]
    table = forward.scenario_table(study, {"plan": changes})
    pd.testing.assert_frame_equal(study.services.places, register)  # the register input is not modified
    closed = register[register["service_id"] == changes.loc[changes["change"] == "zrušení", "service_id"].iloc[0]]
    new = changes[changes["change"] == "nová"].iloc[0]
    by_orp = table.set_index("unit_code")["capacity_residential_beds_change"]
    assert by_orp[new["orp_code"]] == pytest.approx(new["capacity"] - closed["capacity_share"].sum())
    untouched = set(by_orp.index) - {new["orp_code"], closed["orp_code"].iloc[0], study.region.code}
    assert (by_orp[list(untouched)] == 0).all()
    whole = table[table["unit_code"] == study.region.code].iloc[0]
    assert whole["population_white_spots_after"] <= whole["population_white_spots_before"]


def test_siting_matches_exhaustive_search_and_sites_close_white_spots(study):
    problem = forward.siting_problem_of(study)
    sites, summary = forward.siting_table(problem, (1, 2))
    for k in (1, 2):
        best, _ = best_sites_exhaustive(problem, k)
        assert summary.loc[summary["k"] == k, "newly_covered"].iloc[0] == pytest.approx(best)
    chosen = sites[sites["k"] == 2]
    after = forward.scenario_table(study, {"k2": forward.siting_places(study, chosen, 40, "residential_beds")})
    whole = after[after["unit_code"] == study.region.code].iloc[0]
    row = summary[summary["k"] == 2].iloc[0]
    # the sites, added as services, leave exactly the white spots siting promised
    assert whole["population_white_spots_after"] == pytest.approx(row["population_white_spots_after"])


def test_change_map_is_symmetric_and_turns_colours_round(study):
    assert change_breaks([-3.0, 0.0, 1.0]) == pytest.approx([-1.5, -1e-3, 1e-3, 1.5, 3.0])
    assert change_breaks([120.0, -7.0]) == pytest.approx([-60.0, -0.1, 0.1, 60.0, 120.0])
    assert change_breaks([0.0, np.nan]) == pytest.approx([-0.5, -1e-3, 1e-3, 0.5, 1.0])
    table = forward.scenario_table(study, {"plan": forward.read_scenario_of(study, forward.EXAMPLE_SCENARIO)},
                                   level="obec", total=False)
    units = forward.unit_geometries(study, table, "obec")
    assert len(units) == 307 and units.geometry.notna().all()
    good = map_html(change_map(units, "access_per_1000_residential_beds_change", label="Změna 2SFCA"))
    bad = map_html(change_map(units, "population_white_spots_change", label="Změna", higher_is_better=False))
    assert "beze změny" in good and CHANGE_COLORS[0] in good
    assert good.index(CHANGE_COLORS[0]) < good.index(CHANGE_COLORS[-1])
    assert bad.index(CHANGE_COLORS[-1]) < bad.index(CHANGE_COLORS[0])


def test_cli_plan_commands_on_real_data(tmp_path, capsys):
    args = ["--region", ZLIN, "--services", "domovy pro seniory"]
    assert main(["plan", "gap", *args, "--norm", "cr", "-o", str(tmp_path / "gap.xlsx")]) == 0
    assert (tmp_path / "gap.xlsx").exists()
    assert main(["plan", "scenario", *args, "--scenario", str(forward.EXAMPLE_SCENARIO)]) == 0
    assert "zlinsky_kraj_domovy" in capsys.readouterr().out
    assert main(["plan", "siting", *args, "--k", "1", "--cost", "straight"]) == 0
    assert "Žítková" in capsys.readouterr().out  # the obec of the largest white spot population (10 km)
    assert main(["plan", "siting", *args, "--k", "1", "--cost", "drive"]) == 0
    assert "dosah 15 min" in capsys.readouterr().out


def test_cli_bad_scenario_is_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "spatny.csv"
    pd.DataFrame([{"id_sluzby": "neexistuje-1", "kapacita": "", "stav": "zrušená"}],
                 columns=list(TEMPLATE_COLUMNS)).to_csv(bad, index=False)
    assert main(["plan", "scenario", "--region", ZLIN, "--services", "13", "--scenario", str(bad)]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("kpss plan: error")]
    assert len(errors) == 1 and "spatny.csv" in errors[0] and "row" in errors[0]


def test_notebook_answers_the_three_questions(tmp_path):
    text = run_notebook("kde_chybi_kapacita", tmp_path, output_dir=str(tmp_path / "out"), siting_k=2)
    out = tmp_path / "out"
    assert "Hlavní zjištění" in text and "chybí celkem" in text
    for name in ("chybejici_kapacita_kraj.xlsx", "chybejici_kapacita_cr.xlsx", "scenar_jednotky.xlsx",
                 "scenar_obce.xlsx", "umisteni.xlsx", "mapa_zmeny.html", "mapa_umisteni.html"):
        assert (out / name).exists(), name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["region"]["code"] == "CZ072" and len(summary["obce"]) == 307
    keys = {f["key"]: f for f in summary["figures"]}
    gap = pd.read_excel(out / "chybejici_kapacita_kraj.xlsx")
    assert keys["gap_total"]["value"] == pytest.approx(gap.iloc[-1]["Chybějící kapacita"])
    assert {"title", "figures", "notes", "obce"} <= set(summary)


def test_every_parameter_of_the_notebook_is_readable_by_papermill():
    import papermill

    from tests.notebook_run import NOTEBOOKS

    found = papermill.inspect_notebook(str(NOTEBOOKS / "kde_chybi_kapacita.ipynb"))
    assert {"region", "services_file", "scenario_files", "candidate_min_population", "output_dir"} <= set(found)
    assert all(p["inferred_type_name"] != "None" or p["default"] is not None for p in found.values())


def test_drive_minutes_for_siting_are_never_faster_than_a_motorway(study):
    from kpss_lib.indicators.siting import straight_km

    obce = study.obce[study.obce["orp_name"] == "Luhačovice"].head(12)
    minutes = forward._network_cost("drive", kpss.study_network())(obce, obce)
    assert minutes.shape == (12, 12) and np.isfinite(minutes).all()
    assert (minutes >= straight_km(obce, obce) / 150 * 60 - 1e-9).all()  # no road is faster than 150 km/h
