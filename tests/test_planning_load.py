"""Loading analysts' planning files: Czech Excel CSV, bad inputs, template round-trips."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpss_lib.errors import DataFileError, KpssError, UnknownValueError, ValidationError
from kpss_lib.indicators import planning as ind
from kpss_lib.load import partners as partner_data
from kpss_lib.load import plans as plan_data
from kpss_lib.load import projects as project_data
from kpss_lib.load.tables import parse_number, read_table


def _write_cp1250(path: Path, lines: list[str]) -> Path:
    # What Czech Excel writes with "CSV (oddělený středníkem)": cp1250, ';', CRLF.
    path.write_bytes("\r\n".join(lines).encode("cp1250") + b"\r\n")
    return path


PROJECT_HEADER = ("ID projektu;Název projektu;Začátek;Konec;Celkové náklady [Kč];Území – úroveň;Území – kód;"
                  "EU/ESF [Kč];státní rozpočet [Kč];obec [Kč]")


# --------------------------------------------------------------------------- projects and funding

def test_czech_excel_csv_with_decimal_commas(tmp_path):
    path = _write_cp1250(tmp_path / "projekty.csv", [
        PROJECT_HEADER,
        "kpss_zlin;Plánování v Zlíně;1. 1. 2010;12/2011;1 000 000,50;obec;585068;850 000,50;100 000;50 000",
        "kpss_otr;Otrokovicko 2;2012-01;2012-06;200000;mikroregion;Otrokovicko;;;200 000,00",
    ])
    data = project_data.load_projects(path)
    projects = data.projects.set_index("project_id")
    assert projects.loc["kpss_zlin", "total_czk"] == 1_000_000.5
    assert projects.loc["kpss_zlin", "name"] == "Plánování v Zlíně"
    assert projects.loc["kpss_zlin", "end"] == pd.Timestamp("2011-12-31")
    assert projects.loc["kpss_otr", "months"] == 6
    amounts = data.funding.set_index(["project_id", "source_kind"])["amount_czk"]
    assert amounts[("kpss_zlin", "EU/ESF")] == 850_000.5
    assert amounts[("kpss_otr", "obec")] == 200_000
    table = ind.funding_table(data.projects, data.funding).set_index("project_id")
    assert table.loc["kpss_otr", "obec [podíl]"] == 1.0
    assert table.loc["kpss_zlin", "EU/ESF [podíl]"] == pytest.approx(0.85)


def test_sources_not_adding_up_are_rejected_with_a_report(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [
        PROJECT_HEADER,
        "a;Projekt A;2010-01;2010-12;1 723 038;;;1 378 430;137 843;206 000",
    ])
    with pytest.raises(KpssError, match="add up to") as info:
        project_data.load_projects(path, strict=True)
    assert isinstance(info.value, ValidationError)
    rejected = info.value.rejected
    assert list(rejected.columns) == ["file", "record", "column", "reason", "value"]
    assert rejected.iloc[0]["column"] == "amount_czk"
    assert "1 722 273" in rejected.iloc[0]["reason"] and "1 723 038" in rejected.iloc[0]["reason"]


def test_one_crown_tolerance(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [PROJECT_HEADER, "a;A;2010-01;2010-12;1000;;;500,4;500;"])
    assert project_data.load_projects(path, strict=True).funding["amount_czk"].sum() == pytest.approx(1000.4)


def test_period_ending_before_it_starts(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [PROJECT_HEADER, "a;A;2011-05;2010-12;1000;;;1000;;"])
    with pytest.raises(KpssError, match="ends before it starts") as info:
        project_data.load_projects(path, strict=True)
    assert info.value.rejected.iloc[0]["record"] == "row 2"


def test_negative_amount(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [PROJECT_HEADER, "a;A;2010-01;2010-12;1000;;;1200;-200;"])
    with pytest.raises(KpssError, match="state.*negative value|negative value") as info:
        project_data.load_projects(path, strict=True)
    assert info.value.rejected[["column", "value"]].values.tolist() == [["amount_czk", "-200"]]


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [
        PROJECT_HEADER,
        "a;A;2011-05;2010-12;1000;;;1000;;",
        "b;B;2010-01;2010-12;abc;;;;;",
        "b;B again;2010-01;2010-12;10;;;10;;",
        "c;C;2010-01;2010-12;10;ORP;9999;10;;",
        "d;D;1. 1. 2010;konec;-5;;;-5;;",
    ])
    with pytest.raises(ValidationError) as info:
        project_data.load_projects(path, strict=True)
    reasons = info.value.rejected["reason"].tolist()
    assert any("ends before" in r for r in reasons)
    assert any("duplicated project id" in r for r in reasons)
    assert any("unknown orp_code" in r for r in reasons)
    # One row with a bad date, a negative total and a negative source: all three are listed.
    assert info.value.rejected.loc[info.value.rejected["record"] == "row 6", "column"].tolist() == [
        "end", "total_czk", "amount_czk"]


# A file an analyst brings: two good projects among bad ones.
MIXED_PROJECTS = [
    PROJECT_HEADER,
    "ok1;Dobrý projekt;2010-01;2010-12;1 000;obec;585068;800;200;",        # row 2
    "sum;Nesečtený;2010-01;2010-12;1 000;;;800;100;",                       # row 3: 900 ≠ 1 000
    "late;Pozdě;2011-05;2010-12;1 000;;;1 000;;",                           # row 4: ends before it starts
    "neg;Záporný;2010-01;2010-12;1 000;;;1 200;-200;",                      # row 5: negative source
    "dup;První;2010-01;2010-12;10;;;10;;",                                  # row 6
    "dup;Druhý;2010-01;2010-12;10;;;10;;",                                  # row 7: which "dup" is meant?
    "ok2;Také dobrý;2012-01;2012-06;500;;;;;500",                           # row 8
]


def test_an_analysts_file_loads_its_valid_projects_and_reports_the_rest(tmp_path):
    path = _write_cp1250(tmp_path / "projekty.csv", MIXED_PROJECTS)
    data = project_data.load_projects(path)
    assert data.projects["project_id"].tolist() == ["ok1", "ok2"]
    # A project kept out takes all its funding rows with it: no half-funded project.
    assert sorted(set(data.funding["project_id"])) == ["ok1", "ok2"]
    assert data.funding["amount_czk"].sum() == 1_500
    left = data.left_out.set_index("project_id")
    assert list(data.left_out.columns) == ["project_id", "name", "file", "record"]
    assert sorted(left.index) == ["dup", "late", "neg", "sum"]
    assert left.loc["dup", "record"] == "row 6, row 7" and left.loc["neg", "name"] == "Záporný"
    assert (left["file"] == "projekty.csv").all()
    rejected = data.rejected.set_index("record")
    assert list(data.rejected.columns) == ["file", "record", "column", "reason", "value"]
    assert "add up to" in rejected.loc["row 3", "reason"] and rejected.loc["row 3", "column"] == "amount_czk"
    assert "ends before it starts" in rejected.loc["row 4", "reason"]
    assert rejected.loc["row 5", "reason"] == "negative value" and rejected.loc["row 5", "value"] == "-200"
    assert "duplicated project id" in rejected.loc["row 7", "reason"]
    assert data.known_ids == {"ok1", "ok2", "dup", "late", "neg", "sum"}
    assert repr(data) == "ProjectData(2 projects, 3 funding rows; 4 projects left out, 4 problems)"
    # The same file with strict=True fails with the same report.
    with pytest.raises(ValidationError) as info:
        project_data.load_projects(path, strict=True)
    pd.testing.assert_frame_equal(info.value.rejected, data.rejected)


def test_the_projects_own_data_fails_loudly_by_default(tmp_path, monkeypatch):
    # data/ holds the documents' facts: an inconsistency there is a bug, not a row to skip.
    projects = tmp_path / "projects.csv"
    projects.write_text("project_id,name,start,end,total_czk\na,A,2010-01,2010-12,1000\n"
                        "b,B,2010-01,2010-12,500\n", encoding="utf-8")
    funding = tmp_path / "project_funding.csv"
    funding.write_text("project_id,source_kind,amount_czk\na,EU/ESF,900\nb,obec,500\n", encoding="utf-8")
    monkeypatch.setattr(project_data, "PROJECTS_FILE", projects)
    monkeypatch.setattr(project_data, "FUNDING_FILE", funding)
    with pytest.raises(ValidationError, match="add up to"):
        project_data.load_projects()
    assert project_data.load_projects(strict=False).projects["project_id"].tolist() == ["b"]


def test_funding_row_problems_leave_the_project_out(tmp_path):
    projects = tmp_path / "projects.csv"
    projects.write_text("project_id,name,start,end,total_czk\nk,K,2012-06,2014-05,1000\n"
                        "m,M,2012-06,2014-05,1000\nbad,Bad,2014-06,2012-05,10\n", encoding="utf-8")
    funding = tmp_path / "funding.csv"
    funding.write_text("project_id,source_kind,amount_czk\nk,EU/ESF,500\nk,nadace,500\nm,obec,1000\n"
                       "bad,EU/ESF,-3\nx,obec,1\n", encoding="utf-8")
    data = project_data.load_projects(projects, funding)
    assert data.projects["project_id"].tolist() == ["m"] and data.funding["project_id"].tolist() == ["m"]
    assert sorted(data.left_out["project_id"]) == ["bad", "k"]
    rejected = data.rejected.set_index(["file", "record"])
    assert "unknown source kind" in rejected.loc[("funding.csv", "row 3"), "reason"]
    # The rows of a project already left out are still checked, so one pass lists everything.
    assert rejected.loc[("funding.csv", "row 5"), "reason"] == "negative value"
    assert rejected.loc[("funding.csv", "row 6"), "reason"] == "funding for an unknown project"


def test_long_funding_with_shares_only_computes_amounts(tmp_path):
    projects = tmp_path / "projects.csv"
    projects.write_text("project_id,name,start,end,total_czk\nk,Kroměříž,2012-06,2014-05,1263544\n", encoding="utf-8")
    funding = tmp_path / "funding.csv"
    funding.write_text("project_id,source_kind,source_name,amount_czk,share_stated\n"
                       "k,EU/ESF,ESF,,85 %\nk,státní rozpočet,SR,,\"0,15\"\n", encoding="utf-8")
    data = project_data.load_projects(projects, funding)
    rows = data.funding.set_index("source_kind")
    assert rows.loc["EU/ESF", "amount_czk"] == pytest.approx(1_074_012.40)
    assert rows.loc["státní rozpočet", "amount_czk"] == pytest.approx(189_531.60)
    assert rows["amount_computed"].all()
    assert "dopočtena" in rows.loc["EU/ESF", "note"]


def test_share_contradicting_amount_and_unknown_kind(tmp_path):
    projects = tmp_path / "projects.csv"
    projects.write_text("project_id,name,start,end,total_czk\nk,K,2012-06,2014-05,1000\n", encoding="utf-8")
    funding = tmp_path / "funding.csv"
    funding.write_text("project_id,source_kind,amount_czk,share_stated\nk,EU/ESF,500,85 %\nk,nadace,500,\n"
                       "x,obec,1,\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        project_data.load_projects(projects, funding, strict=True)
    reasons = " | ".join(info.value.rejected["reason"])
    assert "does not match amount / total" in reasons
    assert "unknown source kind" in reasons
    assert "unknown project" in reasons


def test_missing_column_names_file_and_template_label(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("ID projektu;Název projektu\nx;y\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="Začátek"):
        project_data.load_projects(path)


# --------------------------------------------------------------------------- partners

PARTNER_HEADER = "Název;Druh;Role v triádě;IČO;Kód obce;ID projektu;Role v projektu"


def test_partners_bad_rows_reported_valid_rows_load(tmp_path):
    path = _write_cp1250(tmp_path / "partneri.csv", [
        PARTNER_HEADER,
        "Oblastní spolek ČČK Zlín;NNO;poskytovatel;426326;585068;p1;partner",   # IČO lost its zeros in Excel
        "Město Zlín;obec;zadavatel;;585068;p1;žadatel",
        "Spolek X;nadace;;;585068;p1;partner",                                 # unknown kind
        "Spolek Y;NNO;sponzor;;585068;p1;partner",                             # unknown triad role
        "Obec Z;obec;zadavatel;;999999;p1;partner",                            # unknown obec code
        "Firma;NNO;;12345678;585068;p1;partner",                               # IČO checksum
        "Wien;zahraniční partner;;;585068;p1;partner",                         # foreign with obec code
        "Město Zlín;obec;zadavatel;;585068;p1;vedoucí",                        # unknown role in project
    ])
    data = partner_data.load_partners(path)
    assert sorted(data.partners["name"]) == ["Město Zlín", "Oblastní spolek ČČK Zlín"]
    assert data.partners.set_index("name").loc["Oblastní spolek ČČK Zlín", "ico"] == "00426326"
    assert data.partners.set_index("name").loc["Město Zlín", "orp_code"] == "7213"
    assert len(data.members) == 2
    rejected = data.rejected.set_index("record")
    assert rejected.loc["row 4", "column"] == "kind"
    assert rejected.loc["row 5", "column"] == "triad_role"
    assert rejected.loc["row 6", "column"] == "obec_code"
    assert rejected.loc["row 7", "column"] == "ico"
    assert rejected.loc["row 8", "column"] == "obec_code" and "foreign" in rejected.loc["row 8", "reason"]
    assert rejected.loc["row 9", "column"] == "role_in_project"


def test_partner_kind_is_required(tmp_path):
    path = _write_cp1250(tmp_path / "partneri.csv", [
        PARTNER_HEADER,
        "Spolek bez druhu;;poskytovatel;;585068;p1;partner",      # kind forgotten
        "Spolek Neznámý;neuvedeno;;;585068;p1;partner",           # kind not stated on purpose
        "Město Zlín;obec;zadavatel;;585068;p1;žadatel",
    ])
    data = partner_data.load_partners(path)
    assert sorted(data.partners["name"]) == ["Město Zlín", "Spolek Neznámý"]
    assert data.partners.set_index("name").loc["Spolek Neznámý", "kind"] == "neuvedeno"
    assert len(data.rejected) == 1
    row = data.rejected.iloc[0]
    assert (row["file"], row["record"], row["column"]) == ("partneri.csv", "row 2", "kind")
    assert "partner kind is empty" in row["reason"] and "neuvedeno" in row["reason"]
    assert sorted(data.members["name"]) == ["Město Zlín", "Spolek Neznámý"]   # no membership of the rejected one


def test_own_partners_without_a_kind_in_the_documents_load_as_not_stated():
    # data/partners.csv documents an empty kind as "the document does not say".
    partners = partner_data.load_partners().partners.set_index("partner_id")
    assert partners.loc["czp_zlinsky_kraj", "kind"] == "neuvedeno"
    assert partners["kind"].notna().all()


def test_partner_membership_in_unknown_project(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("Název,Druh,ID projektu\nObec Bělov,obec,neexistuje\n", encoding="utf-8")
    projects = project_data.load_projects().projects
    data = partner_data.load_partners(path, projects=projects)
    assert data.members.empty
    assert data.rejected.iloc[0]["reason"] == "membership in an unknown project"


def test_partner_listed_with_contradicting_attributes(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("Název,Druh,Kód obce,ID projektu\nObec Bělov,obec,588318,a\nObec Bělov,obec,585068,b\n",
                    encoding="utf-8")
    data = partner_data.load_partners(path)
    assert len(data.partners) == 1 and list(data.members["project_id"]) == ["a"]
    assert "already listed" in data.rejected.iloc[0]["reason"]


# --------------------------------------------------------------------------- plans and monitoring

@pytest.fixture(scope="module")
def plan() -> plan_data.Plan:
    return plan_data.load_plan()


def test_unknown_plan_lists_known_plans():
    with pytest.raises(UnknownValueError, match="zlin_2008_2012"):
        plan_data.load_plan("brno_2020")


def test_misnumbered_plan_is_rejected(tmp_path):
    path = tmp_path / "plan.yml"
    path.write_text(
        "plan_id: t\nname: T\nperiod: {start: 2010, end: 2012}\n"
        "target_groups:\n"
        "  - id: '1'\n    name: A\n    goals:\n"
        "      - id: '2.1'\n        name: G\n        measures:\n"
        "          - {id: '2.1.1', name: M, service_type: kouzla}\n"
        "          - {id: '2.1.1', name: M2, start: 2009}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="does not start with") as info:
        plan_data.load_plan(path)
    reasons = " | ".join(info.value.rejected["reason"])
    assert "unknown kind of social service" in reasons and "duplicated id" in reasons


def _monitoring_rows(plan: plan_data.Plan, tmp_path: Path, suffix: str) -> Path:
    path = plan_data.write_monitoring_template(tmp_path / f"monitoring{suffix}", plan)
    return path


def test_monitoring_template_has_one_row_per_measure_and_year(plan, tmp_path):
    path = _monitoring_rows(plan, tmp_path, ".csv")
    frame = read_table(path)
    assert len(frame) == 67 * 5
    assert set(frame["Rok"]) == {"2008", "2009", "2010", "2011", "2012"}
    assert frame["Stav"].isna().all() and frame["Čerpáno [Kč]"].isna().all()
    assert parse_number(frame.loc[frame["ID opatření"] == "4.4.1", "Cílová hodnota"].iloc[0]) == 5
    empty = plan_data.load_monitoring(path, plan)
    assert empty.records.empty and empty.rejected.empty and empty.not_filled == 335


def test_monitoring_bad_rows(plan, tmp_path):
    path = _write_cp1250(tmp_path / "monitoring.csv", [
        "ID opatření;Rok;Stav;Skutečná hodnota;Čerpáno [Kč]",
        "4.4.1;2009;probíhá;2;150 000,50",
        "4.4.1;2010;Splneno;5;",            # case and diacritics forgiven
        "9.9.9;2009;probíhá;;",             # unknown measure
        "4.4.1;2015;probíhá;;",             # year outside the plan
        "4.4.2;2009;hotovo;;",              # unknown state
        "4.4.1;2009;splněno;;",             # duplicate measure × year
        "4.3.1;2009;probíhá;;-5",           # negative amount
        "4.3.2;2009;;1;",                   # value without a state
        "4.3.2;2010;;;",                    # not filled in yet
    ])
    data = plan_data.load_monitoring(path, plan)
    records = data.records.set_index(["measure_id", "year"])
    assert records.loc[("4.4.1", 2009), "spent_czk"] == 150_000.5
    assert records.loc[("4.4.1", 2010), "state"] == "splněno"
    assert len(data.records) == 2 and data.not_filled == 1
    assert data.rejected["column"].tolist() == ["measure_id", "year", "state", "measure_id", "spent_czk", "state"]
    assert data.rejected.iloc[0]["value"] == "9.9.9"
    assert data.rejected.iloc[-1]["value"] == "Skutečná hodnota: 1"


def test_monitoring_note_without_a_state_is_reported_not_lost(plan, tmp_path):
    path = _write_cp1250(tmp_path / "monitoring.csv", [
        "ID opatření;Rok;Stav;Skutečná hodnota;Čerpáno [Kč];Poznámka",
        "4.4.1;2009;;;;čeká se na rozpočet města",      # a note typed before the state was chosen
        "4.4.1;2010;probíhá;;;obě místa v provozu",
        "4.4.2;2010;;;;",                                # nothing: no record yet
    ])
    data = plan_data.load_monitoring(path, plan)
    assert data.not_filled == 1
    assert data.records[["measure_id", "year", "note"]].values.tolist() == [["4.4.1", 2010, "obě místa v provozu"]]
    assert len(data.rejected) == 1
    row = data.rejected.iloc[0]
    assert (row["record"], row["column"]) == ("row 2", "state")
    assert row["value"] == "Poznámka: čeká se na rozpočet města"


def test_monitoring_of_another_plan(plan, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("ID plánu,ID opatření,Rok,Stav\notrokovicko_2008_2012,1.1.1,2009,probíhá\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="another plan"):
        plan_data.load_monitoring(path, plan)


# --------------------------------------------------------------------------- template round-trips

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_projects_template_round_trip(tmp_path, suffix):
    path = project_data.write_projects_template(tmp_path / f"projekty{suffix}")
    _fill(path, [{"ID projektu": "otr", "Název projektu": "Otrokovicko", "Začátek": "10/2005", "Konec": "7/2007",
                  "Celkové náklady [Kč]": "1 723 038", "Území – úroveň": "mikroregion", "Území – kód": "Otrokovicko",
                  "EU/ESF [Kč]": "1 378 430", "státní rozpočet [Kč]": "137 843", "obec [Kč]": "206 765"}])
    data = project_data.load_projects(path)
    table = ind.funding_table(data.projects, data.funding).set_index("project_id")
    assert table.loc["otr", "EU/ESF [podíl]"] == pytest.approx(0.8, abs=1e-3)
    years = ind.spending_per_year(data.projects).set_index("year")["months"].to_dict()
    assert years == {2005: 3, 2006: 12, 2007: 7}
    population = project_data.project_area_population(data.projects)
    cost = ind.cost_per_inhabitant(data.projects, population).set_index("project_id")
    assert cost.loc["otr", "czk_per_inhabitant"] == pytest.approx(1_723_038 / population["otr"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_partners_template_round_trip(tmp_path, suffix):
    path = partner_data.write_partners_template(tmp_path / f"partneri{suffix}")
    labels = ["Název", "Druh", "Role v triádě", "Kód obce", "ID projektu", "Role v projektu"]
    rows = [["Město Kyjov", "obec", "zadavatel", "586307", "jmk", "partner"],
            ["Město Mikulov", "obec", "zadavatel", "584649", "jmk", "partner"],
            ["Město Kyjov", "obec", "zadavatel", "586307", "jiny", "žadatel"]]
    _fill(path, [dict(zip(labels, row)) for row in rows])
    data = partner_data.load_partners(path)
    assert data.rejected.empty and len(data.partners) == 2 and len(data.members) == 3
    from kpss_lib.load.territory import read_hierarchy

    hierarchy = read_hierarchy()
    jmk = hierarchy.loc[hierarchy["kraj_code"] == "CZ064", ["orp_code", "orp_name"]].drop_duplicates()
    table = ind.participation(jmk, data.members, level="orp", project_ids=["jmk"])
    assert sorted(table.loc[table["participates"], "orp_name"]) == ["Kyjov", "Mikulov"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_monitoring_template_round_trip(plan, tmp_path, suffix):
    path = _monitoring_rows(plan, tmp_path, suffix)
    frame = read_table(path).astype(object)
    fill = {("4.4.1", "2009"): ("probíhá", "2", "100 000"), ("4.4.1", "2010"): ("splněno", "5", "50 000"),
            ("4.3.1", "2010"): ("zrušeno", "", ""), ("1.1.1", "2010"): ("nezahájeno", "", "")}
    for (measure, year), (state, actual, spent) in fill.items():
        row = (frame["ID opatření"] == measure) & (frame["Rok"].str.replace(".0", "", regex=False) == year)
        frame.loc[row, ["Stav", "Skutečná hodnota", "Čerpáno [Kč]"]] = [state, actual or None, spent or None]
    _save(frame, path)
    data = plan_data.load_monitoring(path, plan)
    assert data.rejected.empty and len(data.records) == 4 and data.not_filled == 335 - 4
    goals = ind.plan_fulfilment(plan.measures, data.records, 2010, by="goal").set_index("goal_id")
    assert goals.loc["4.4", "n_splneno"] == 1 and goals.loc["4.4", "share_splneno"] == 0.5
    assert goals.loc["4.3", "n_zruseno"] == 1
    late = ind.late_or_dropped(plan.measures, data.records, 2010).set_index("measure_id")["problem"].to_dict()
    assert late == {"1.1.1": "nezahájené", "4.3.1": "zrušené"}
    change = ind.change_since_previous_year(plan.measures, data.records, 2010).set_index("measure_id")
    assert change.loc["4.4.1", "state_previous"] == "probíhá" and change.loc["4.4.1", "actual_change"] == 3


def _fill(path: Path, rows: list[dict]) -> None:
    # Rows typed into the template under its own header.
    header = list(read_table(path).columns)
    unknown = set().union(*rows) - set(header)
    if unknown:
        raise AssertionError(f"not template columns: {unknown}")
    _save(pd.DataFrame(rows, columns=header), path)


def _save(frame: pd.DataFrame, path: Path) -> None:
    # What an analyst does: fill the template in and save it in the same format.
    if path.suffix == ".csv":
        frame.to_csv(path, index=False, sep=";", encoding="cp1250")
    else:
        frame.to_excel(path, index=False)


def test_partner_note_and_member_note_keep_their_own_labels(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("Název;Druh;ID projektu;Poznámka\nObec Bělov;obec;a;sídlo obecního úřadu\n", encoding="utf-8")
    data = partner_data.load_partners(path)
    assert data.partners["note"].tolist() == ["sídlo obecního úřadu"]
    assert data.members["member_note"].isna().all()
