"""Loading analysts' planning files: Czech Excel CSV, bad inputs, template round-trips."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpss_lib.errors import DataFileError, KpssError, UnknownValueError, ValidationError
from kpss_lib.indicators import planning as ind
from kpss_lib.load import planning
from kpss_lib.load.tables import read_table


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
    data = planning.load_projects(path)
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
        planning.load_projects(path)
    assert isinstance(info.value, ValidationError)
    rejected = info.value.rejected
    assert list(rejected.columns) == ["file", "record", "column", "reason", "value"]
    assert rejected.iloc[0]["column"] == "amount_czk"
    assert "1 722 273" in rejected.iloc[0]["reason"] and "1 723 038" in rejected.iloc[0]["reason"]


def test_one_crown_tolerance(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [PROJECT_HEADER, "a;A;2010-01;2010-12;1000;;;500,4;500;"])
    assert planning.load_projects(path).funding["amount_czk"].sum() == pytest.approx(1000.4)


def test_period_ending_before_it_starts(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [PROJECT_HEADER, "a;A;2011-05;2010-12;1000;;;1000;;"])
    with pytest.raises(KpssError, match="ends before it starts") as info:
        planning.load_projects(path)
    assert info.value.rejected.iloc[0]["record"] == "row 2"


def test_negative_amount(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [PROJECT_HEADER, "a;A;2010-01;2010-12;1000;;;1200;-200;"])
    with pytest.raises(KpssError, match="negative amount"):
        planning.load_projects(path)


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    path = _write_cp1250(tmp_path / "p.csv", [
        PROJECT_HEADER,
        "a;A;2011-05;2010-12;1000;;;1000;;",
        "b;B;2010-01;2010-12;abc;;;;;",
        "b;B again;2010-01;2010-12;10;;;10;;",
        "c;C;2010-01;2010-12;10;ORP;9999;10;;",
    ])
    with pytest.raises(ValidationError) as info:
        planning.load_projects(path)
    reasons = info.value.rejected["reason"].tolist()
    assert any("ends before" in r for r in reasons)
    assert any("not a number" in r for r in reasons)
    assert any("duplicated project id" in r for r in reasons)
    assert any("unknown orp_code" in r for r in reasons)


def test_long_funding_with_shares_only_computes_amounts(tmp_path):
    projects = tmp_path / "projects.csv"
    projects.write_text("project_id,name,start,end,total_czk\nk,Kroměříž,2012-06,2014-05,1263544\n", encoding="utf-8")
    funding = tmp_path / "funding.csv"
    funding.write_text("project_id,source_kind,source_name,amount_czk,share_stated\n"
                       "k,EU/ESF,ESF,,85 %\nk,státní rozpočet,SR,,\"0,15\"\n", encoding="utf-8")
    data = planning.load_projects(projects, funding)
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
        planning.load_projects(projects, funding)
    reasons = " | ".join(info.value.rejected["reason"])
    assert "does not match amount / total" in reasons
    assert "unknown source kind" in reasons
    assert "unknown project" in reasons


def test_missing_column_names_file_and_template_label(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("ID projektu;Název projektu\nx;y\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="Začátek"):
        planning.load_projects(path)


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
    data = planning.load_partners(path)
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


def test_partner_membership_in_unknown_project(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("Název,Druh,ID projektu\nObec Bělov,obec,neexistuje\n", encoding="utf-8")
    projects = planning.load_projects().projects
    data = planning.load_partners(path, projects=projects)
    assert data.members.empty
    assert data.rejected.iloc[0]["reason"] == "membership in an unknown project"


def test_partner_listed_with_contradicting_attributes(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("Název,Druh,Kód obce,ID projektu\nObec Bělov,obec,588318,a\nObec Bělov,obec,585068,b\n",
                    encoding="utf-8")
    data = planning.load_partners(path)
    assert len(data.partners) == 1 and list(data.members["project_id"]) == ["a"]
    assert "already listed" in data.rejected.iloc[0]["reason"]


# --------------------------------------------------------------------------- plans and monitoring

@pytest.fixture(scope="module")
def plan() -> planning.Plan:
    return planning.load_plan()


def test_unknown_plan_lists_known_plans():
    with pytest.raises(UnknownValueError, match="zlin_2008_2012"):
        planning.load_plan("brno_2020")


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
        planning.load_plan(path)
    reasons = " | ".join(info.value.rejected["reason"])
    assert "unknown kind of social service" in reasons and "duplicated id" in reasons


def _monitoring_rows(plan: planning.Plan, tmp_path: Path, suffix: str) -> Path:
    path = planning.write_monitoring_template(tmp_path / f"monitoring{suffix}", plan)
    return path


def test_monitoring_template_has_one_row_per_measure_and_year(plan, tmp_path):
    path = _monitoring_rows(plan, tmp_path, ".csv")
    frame = read_table(path)
    assert len(frame) == 67 * 5
    assert set(frame["Rok"]) == {"2008", "2009", "2010", "2011", "2012"}
    assert frame["Stav"].isna().all() and frame["Čerpáno [Kč]"].isna().all()
    assert frame.loc[frame["ID opatření"] == "4.4.1", "Cílová hodnota"].iloc[0] in ("5.0", "5")
    empty = planning.load_monitoring(path, plan)
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
    data = planning.load_monitoring(path, plan)
    records = data.records.set_index(["measure_id", "year"])
    assert records.loc[("4.4.1", 2009), "spent_czk"] == 150_000.5
    assert records.loc[("4.4.1", 2010), "state"] == "splněno"
    assert len(data.records) == 2 and data.not_filled == 1
    assert data.rejected["column"].tolist() == ["measure_id", "year", "state", "measure_id", "spent_czk", "state"]
    assert data.rejected.iloc[0]["value"] == "9.9.9"


def test_monitoring_of_another_plan(plan, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("ID plánu,ID opatření,Rok,Stav\notrokovicko_2008_2012,1.1.1,2009,probíhá\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="another plan"):
        planning.load_monitoring(path, plan)


# --------------------------------------------------------------------------- template round-trips

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_projects_template_round_trip(tmp_path, suffix):
    path = planning.write_projects_template(tmp_path / f"projekty{suffix}")
    _fill(path, [{"ID projektu": "otr", "Název projektu": "Otrokovicko", "Začátek": "10/2005", "Konec": "7/2007",
                  "Celkové náklady [Kč]": "1 723 038", "Území – úroveň": "mikroregion", "Území – kód": "Otrokovicko",
                  "EU/ESF [Kč]": "1 378 430", "státní rozpočet [Kč]": "137 843", "obec [Kč]": "206 765"}])
    data = planning.load_projects(path)
    table = ind.funding_table(data.projects, data.funding).set_index("project_id")
    assert table.loc["otr", "EU/ESF [podíl]"] == pytest.approx(0.8, abs=1e-3)
    years = ind.spending_per_year(data.projects).set_index("year")["months"].to_dict()
    assert years == {2005: 3, 2006: 12, 2007: 7}
    population = planning.project_area_population(data.projects)
    cost = ind.cost_per_inhabitant(data.projects, population).set_index("project_id")
    assert cost.loc["otr", "czk_per_inhabitant"] == pytest.approx(1_723_038 / population["otr"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_partners_template_round_trip(tmp_path, suffix):
    path = planning.write_partners_template(tmp_path / f"partneri{suffix}")
    labels = ["Název", "Druh", "Role v triádě", "Kód obce", "ID projektu", "Role v projektu"]
    rows = [["Město Kyjov", "obec", "zadavatel", "586307", "jmk", "partner"],
            ["Město Mikulov", "obec", "zadavatel", "584649", "jmk", "partner"],
            ["Město Kyjov", "obec", "zadavatel", "586307", "jiny", "žadatel"]]
    _fill(path, [dict(zip(labels, row)) for row in rows])
    data = planning.load_partners(path)
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
    data = planning.load_monitoring(path, plan)
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
    data = planning.load_partners(path)
    assert data.partners["note"].tolist() == ["sídlo obecního úřadu"]
    assert data.members["member_note"].isna().all()
