"""The project's own planning data (data/*.csv, data/plans/) against the source documents' facts."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from kpss_lib.indicators import planning as ind
from kpss_lib.load import partners as partner_data, plans, projects
from kpss_lib.load.tables import ico_is_valid
from kpss_lib.load.territory import read_hierarchy

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def data() -> projects.ProjectData:
    return projects.load_projects()


@pytest.fixture(scope="module")
def partners() -> partner_data.PartnerData:
    return partner_data.load_partners()


@pytest.fixture(scope="module")
def plan() -> plans.Plan:
    return plans.load_plan("zlin_2008_2012")


def _amounts(data: projects.ProjectData, project_id: str) -> dict[str, float]:
    rows = data.funding[data.funding["project_id"] == project_id]
    return dict(zip(rows["source_kind"], rows["amount_czk"]))


def test_all_five_documents_are_encoded(data):
    assert set(data.projects["source"]) == {
        "000_653f3262023831e0.txt", "001_b0e69c4ead42f525.txt", "002_8007716af37c207c.txt",
        "003_212fb8942286ab9e.txt", "004_5ef1942bea11c53e.txt"}
    assert data.rejected.empty


def test_otrokovicko_funding_adds_up_to_the_document_total(data):
    project = data.projects.set_index("project_id").loc["otrokovicko_2005"]
    assert project["total_czk"] == 1_723_038
    assert _amounts(data, "otrokovicko_2005") == {"EU/ESF": 1_378_430, "státní rozpočet": 137_843, "obec": 206_765}
    assert 1_378_430 + 137_843 + 206_765 == 1_723_038
    assert project["registration_number"] == "CZ.04.1.05/3.2.55.1/1823"
    assert (project["start"], project["end"]) == (pd.Timestamp("2005-10-01"), pd.Timestamp("2007-07-31"))
    assert project["months"] == 22


def test_otrokovicko_shares_are_80_8_12_percent(data):
    shares = ind.funding_shares(data.funding)
    got = shares[shares["project_id"] == "otrokovicko_2005"].set_index("source_kind")["share"].round(3)
    assert got.to_dict() == {"EU/ESF": 0.8, "státní rozpočet": 0.08, "obec": 0.12}


def test_kromeriz_85_esf_15_state_of_1263544(data):
    project = data.projects.set_index("project_id").loc["kromeriz_2012"]
    assert project["total_czk"] == 1_263_544
    amounts = _amounts(data, "kromeriz_2012")
    assert amounts == pytest.approx({"EU/ESF": 1_263_544 * 0.85, "státní rozpočet": 1_263_544 * 0.15}, abs=0.01)
    assert sum(amounts.values()) == pytest.approx(1_263_544, abs=1)
    assert project["registration_number"] == "CZ.1.04/3.1.03/78.00016"
    assert project["months"] == 24


def test_mezinarodni_total_and_no_invented_sources(data):
    project = data.projects.set_index("project_id").loc["mezinarodni_2009"]
    assert project["total_czk"] == 5_617_650
    # The document states no funding sources: none may be encoded.
    assert data.funding[data.funding["project_id"] == "mezinarodni_2009"].empty


def test_documents_without_amounts_keep_amounts_empty(data):
    for project_id in ("jmk_2007", "zlin_kp_2006"):
        rows = data.funding[data.funding["project_id"] == project_id]
        assert len(rows) == 2 and rows["amount_czk"].isna().all()
        assert pd.isna(data.projects.set_index("project_id").loc[project_id, "total_czk"])


def test_every_stated_amount_appears_in_its_document(data):
    # Each encoded amount (or total) must be written in the source text, e.g. "1 378 430".
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("0*.txt")}
    if not texts:
        pytest.skip("seeds not beside the repository")
    for row in data.funding.dropna(subset=["amount_czk"]).itertuples():
        integer, _, cents = f"{row.amount_czk:.2f}".partition(".")
        spaced = re.sub(r"(?<=\d)(?=(\d{3})+$)", " ", integer)
        assert spaced in texts[row.source], (row.project_id, spaced)
    for row in data.projects.dropna(subset=["total_czk"]).itertuples():
        spaced = re.sub(r"(?<=\d)(?=(\d{3})+$)", " ", f"{row.total_czk:.0f}")
        assert spaced in texts[row.source], (row.project_id, spaced)


def test_partner_counts_as_the_documents_list_them(partners):
    roles = partners.members.groupby(["project_id", "role_in_project"]).size().to_dict()
    assert roles[("otrokovicko_2005", "partner")] == 11     # 11 named partners + the town as applicant
    assert roles[("otrokovicko_2005", "žadatel")] == 1
    assert roles[("kromeriz_2012", "partner")] == 6         # Kroměříž, Hulín, Chropyně, Koryčany, Morkovice-Slížany, Zdounky
    assert roles[("jmk_2007", "partner")] == 17             # the 17 named ORP
    mezi = partners.members[partners.members["project_id"] == "mezinarodni_2009"]
    partner_rows = mezi[mezi["role_in_project"] == "partner"]
    assert (partner_rows["kind"] == "zahraniční partner").sum() == 2
    assert (partner_rows["kind"] != "zahraniční partner").sum() == 17
    assert partners.rejected.empty


def test_jmk_partners_are_17_of_the_21_orp(partners):
    hierarchy = read_hierarchy()
    jmk_orp = hierarchy.loc[hierarchy["kraj_code"] == "CZ064", ["orp_code", "orp_name"]].drop_duplicates()
    assert len(jmk_orp) == 21
    table = ind.participation(jmk_orp, partners.members, level="orp", project_ids=["jmk_2007"])
    assert len(table) == 21
    assert table["participates"].sum() == 17
    assert set(table.loc[~table["participates"], "orp_name"]) == {"Ivančice", "Kyjov", "Mikulov", "Šlapanice"}


def test_partner_codes_are_real_and_homonyms_resolved(partners):
    table = partners.partners.set_index("partner_id")
    # Homonyms the documents leave to the reader: the right obec of each.
    assert table.loc["pohorelice_otrokovicko", "orp_code"] == "7205"
    assert table.loc["pohorelice_jmk", "orp_code"] == "6213"
    assert table.loc["tlumacov", "obec_code"] == "585858"
    assert table.loc["hodonin", "orp_code"] == "6206"
    assert table.loc["nova_dedina", "orp_code"] == "7203"   # Otrokovicko partner in ORP Kroměříž
    foreign = table[table["kind"] == "zahraniční partner"]
    assert foreign["obec_code"].isna().all() and set(foreign["country"]) == {"GB", "SK"}
    located = table[table["obec_code"].notna()]
    assert located["lon"].notna().all()
    for ico in table["ico"].dropna():
        assert ico_is_valid(ico)


def test_zlin_plan_structure(plan):
    assert (plan.start_year, plan.end_year) == (2008, 2012)
    assert len(plan.target_groups) == 4
    assert len(plan.goals) == 23
    goals_per_group = plan.goals.groupby("target_group_id").size().to_dict()
    assert goals_per_group == {"1": 5, "2": 2, "3": 7, "4": 9}
    assert plan.goals["goal_id"].iloc[0] == "1.1" and plan.goals["goal_id"].iloc[-1] == "4.9"
    assert len(plan.measures) == 67
    assert plan.measures["measure_id"].is_unique
    night_shelter = plan.measures.set_index("measure_id").loc["4.4.1"]
    assert night_shelter["target_value"] == 5 and night_shelter["service_type"] == "noclehárny"
    # The document gives no per-measure time frame: measures inherit the plan period.
    assert plan.measures["time_frame_from_plan"].all()


def test_data_readme_documents_every_file_and_template_column():
    """data/README.md stays in step with data/, the inputs and every template's columns."""
    from kpss_lib.config import INPUT_FILES, PROJECT_DATA_DIR
    from kpss_lib.load import services

    readme = (PROJECT_DATA_DIR / "README.md").read_text(encoding="utf-8")
    own = [p.relative_to(PROJECT_DATA_DIR).as_posix() for p in PROJECT_DATA_DIR.rglob("*")
           if p.is_file() and p.name != "README.md"]
    for name in own + list(INPUT_FILES):
        assert f"`{name}" in readme, name
    labels = (list(projects.PROJECT_COLUMNS.values()) + list(projects.FUNDING_TEMPLATE_COLUMNS.values())
              + list(partner_data.PARTNER_COLUMNS.values()) + list(partner_data.MEMBER_COLUMNS.values())
              + list(plans.MONITORING_COLUMNS.values()) + list(services.TEMPLATE_COLUMNS))
    for label in labels:
        assert label in readme, label
    for value in (projects.SOURCE_KINDS + partner_data.PARTNER_KINDS + partner_data.TRIAD_ROLES + partner_data.PROJECT_ROLES
                  + plans.MONITORING_STATES):
        assert f"`{value}`" in readme, value
