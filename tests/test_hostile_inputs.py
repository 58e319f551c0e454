"""Inputs that must not crash, corrupt or inject: the corpus in tests/data/hostile (README.md there).

Each file gets the exact kpss error, or the exact rejected rows and the good rows
that still load. The real data stays the reference for everything else.
"""
from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpss_lib.errors import DataFileError, KpssError, UnknownCodeWarning
from kpss_lib.fileio import write_table_atomic
from kpss_lib.load import cache
from kpss_lib.load.partners import load_partners
from kpss_lib.load.plans import load_monitoring, load_plan
from kpss_lib.load.projects import load_projects
from kpss_lib.load.services import load_services, read_services_file
from kpss_lib.load.tables import read_table

HOSTILE = Path(__file__).parent / "data" / "hostile"


def _rejected(data) -> list[tuple]:
    return [tuple(r) for r in data.rejected[["record", "column", "reason", "value"]].itertuples(index=False)]


# --------------------------------------------------------------------------- item 1: nothing left to load

@pytest.mark.parametrize("name, rejected", [
    ("services_empty_template.csv", []),
    ("services_all_invalid.csv", [
        ("row 2 (h-1)", "form", "unknown form of provision (expected one of pobytová, ambulantní, terénní)", "xyz"),
        ("row 3 (h-2)", "capacity_unit",
         "unknown capacity unit (expected one of lůžka, klienti, kontakty, intervence, hovory)", "kusy")]),
])
def test_services_input_with_no_valid_row_combines_with_the_catalogue(name, rejected, data_dir):
    catalogue = load_services(use_cache=False)
    data = load_services([None, HOSTILE / name], use_cache=False)
    assert len(data.services) == len(catalogue.services)  # the register still loads whole
    assert data.services["capacity"].dtype == "float64"
    assert _rejected(data)[len(catalogue.rejected):] == rejected
    alone = load_services(HOSTILE / name, use_cache=False)
    assert alone.services.empty and alone.services["capacity"].dtype == "float64"


def test_empty_template_is_exactly_what_kpss_template_writes(tmp_path):
    from kpss_lib.cli import main

    assert main(["template", "services", "-o", str(tmp_path / "sluzby.csv")]) == 0
    assert (tmp_path / "sluzby.csv").read_bytes() == (HOSTILE / "services_empty_template.csv").read_bytes()


# --------------------------------------------------------------------------- item 2: a row with a field too many

@pytest.mark.parametrize("loader, name, fields", [
    (load_services, "services_shifted_row.csv", "16 fields where the header has 15"),
    (load_partners, "partners_shifted_row.csv", "12 fields where the header has 11"),
])
def test_unquoted_separator_is_named_never_shifted(loader, name, fields):
    with pytest.raises(DataFileError, match=rf"{name}, row 2: {fields}; expected one value per column; "
                                            r"quote a value that contains ';'.*got '.*Domov A; s\.r\.o\."):
        loader(HOSTILE / name)


def test_rows_keep_the_number_excel_shows_past_blank_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;x\n\n;\n2;\"multi\nline\"\n3;z\n", encoding="utf-8")
    frame = read_table(path)
    assert frame["a"].tolist() == ["1", "2", "3"]
    assert frame.attrs["source_rows"] == [2, 5, 6]


# --------------------------------------------------------------------------- item 3: empty, undecodable, wrong JSON

@pytest.mark.parametrize("loader, name", [
    (load_services, "services_zero.csv"), (load_projects, "projects_zero.csv"),
    (load_partners, "partners_zero.csv"), (load_monitoring, "monitoring_zero.csv"),
    (load_services, "rpss_zero.json"),
])
def test_zero_byte_files_are_named(loader, name):
    with pytest.raises(DataFileError, match=rf"{name}: the file is empty \(0 bytes\)"):
        loader(HOSTILE / name)


def test_zero_byte_plan_is_named():
    with pytest.raises(DataFileError, match=r"plan_zero.yml: the file is empty \(0 bytes\); expected a YAML plan"):
        load_plan(HOSTILE / "plan_zero.yml")


def test_plan_saved_as_utf16_reads_like_utf8(tmp_path):
    from kpss_lib.load.plans import plan_path

    path = tmp_path / "plan.yml"
    path.write_text(plan_path("zlin_2008_2012").read_text(encoding="utf-8"), encoding="utf-16")
    assert load_plan(path).measures.equals(load_plan("zlin_2008_2012").measures)


@pytest.mark.parametrize("name, message", [
    ("rpss_item_not_object.json", r"column 'polozky': polozky\[0\]: wrong JSON type; expected an object .*got 'str'"),
    ("rpss_formy_object.json", r"column 'formy': polozky\[0\] \(id 1\): wrong JSON type; expected a list .*got 'dict'"),
    ("rpss_zarizeni_text.json", r"column 'zarizeni': polozky\[0\] \(id 1\): wrong JSON type; .*got 'str'"),
    ("rpss_poskytovatel_list.json", r"column 'poskytovatel': polozky\[0\] \(id 1\): wrong JSON type; .*got 'list'"),
    ("rpss_deep.json", r"rpss_deep.json: JSON nested too deeply"),
])
def test_rpss_json_of_the_wrong_shape(name, message):
    with pytest.raises(DataFileError, match=message):
        load_services(HOSTILE / name, use_cache=False)


@pytest.mark.parametrize("name", ["rpss_bom.json", "rpss_utf16.json"])
def test_rpss_json_in_any_unicode_encoding(name):
    data = load_services(HOSTILE / name, use_cache=False)
    assert data.services[["service_id", "provider_name", "capacity"]].values.tolist() == [
        ["mpsv-1", "Charita Žďár", 30.0]]


def test_rpss_both_form_prefixes_and_unknown_target_groups_reported():
    with pytest.warns(UnknownCodeWarning, match=r"rpss_codes.json: target group code\(s\) not in the MPSV code "
                                                r"list mpsv_ciselnik_cilove_skupiny.csv: 99"):
        long = read_services_file(HOSTILE / "rpss_codes.json")
    assert long["form"].tolist() == ["pob", "pob"]  # FormaSocialniSluzby/pob and FormaSocSluzby/pob
    assert long["target_groups"].tolist() == ["senioři;CilovaSkupinaOsoby/99", "oběti obchodu s lidmi"]


def test_excel_unicode_text_is_utf16_not_cp1250_garbage():
    data = load_services(HOSTILE / "services_utf16.txt", use_cache=False)
    assert data.services[["service_id", "provider_name", "form"]].values.tolist() == [
        ["h-1", "Charita Žďár", "pobytová"]]


# --------------------------------------------------------------------------- item 4: XLSX sheets and merged cells

def test_rows_on_a_second_sheet_are_not_dropped_in_silence():
    with pytest.raises(DataFileError, match=r"services_multisheet.xlsx: the workbook has data on 2 sheets; .*"
                                            r"first sheet 'Služby'.*got \['Další'\]"):
        load_services(HOSTILE / "services_multisheet.xlsx", use_cache=False)


def test_merged_cells_are_reported_with_sheet_and_range():
    with pytest.raises(DataFileError, match=r"services_merged.xlsx \(sheet 'Služby'\): merged cells.*got \['C2:C3'\]"):
        load_services(HOSTILE / "services_merged.xlsx", use_cache=False)


def test_missing_column_error_names_the_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "List1"
    book.active.append(["nazev"])
    book.save(tmp_path / "x.xlsx")
    with pytest.raises(DataFileError, match=r"x.xlsx \(sheet 'List1'\): missing column\(s\) 'id_sluzby'"):
        load_services(tmp_path / "x.xlsx", use_cache=False)


# --------------------------------------------------------------------------- item 5: numbers that are not numbers

def test_non_finite_and_absurd_capacities_are_rejected_with_what_was_typed():
    data = load_services(HOSTILE / "services_inf_capacity.csv", use_cache=False)
    assert _rejected(data) == [(f"row {n} (h-{n - 1})", "capacity", "capacity missing or not a number", value)
                               for n, value in zip(range(2, 8), ["inf", "1e400", "Infinity", "1e308", "NaN", "-inf"])]
    assert data.services[["service_id", "capacity"]].values.tolist() == [["h-7", 12.5]]


def test_projects_refuse_infinite_huge_and_nan_amounts():
    data = load_projects(HOSTILE / "projects_amounts.csv")
    assert data.projects["project_id"].tolist() == ["p4"] and data.funding["amount_czk"].tolist() == [1000.0]
    assert sorted(data.left_out["project_id"]) == ["p1", "p2", "p3"]
    huge = "implausibly large (above 1 000 000 000 000)"
    assert _rejected(data) == [
        ("row 2", "total_czk", "not a finite number", "inf"), ("row 3", "total_czk", huge, "1e300"),
        ("row 4", "total_czk", "not a finite number", "NaN"), ("row 2", "amount_czk", "not a finite number", "inf"),
        ("row 3", "amount_czk", huge, "1e300"), ("row 4", "amount_czk", "not a finite number", "NaN")]


def test_monitoring_refuses_half_years_and_non_finite_values():
    data = load_monitoring(HOSTILE / "monitoring_values.csv")
    assert _rejected(data) == [
        ("row 2", "year", "not a whole year", "2009,5"), ("row 3", "spent_czk", "not a finite number", "inf"),
        ("row 4", "actual", "not a finite number", "NaN"),
        ("row 5", "spent_czk", "implausibly large (above 1 000 000 000 000)", "1e300")]
    assert data.records[["measure_id", "year", "actual", "spent_czk"]].values.tolist() == [["1.1.1", 2011, 2.0, 1500.0]]


# --------------------------------------------------------------------------- item 6: one set of field rules

def test_services_and_partners_judge_ico_and_obec_code_alike():
    services = load_services(HOSTILE / "services_fields.csv", use_cache=False)
    partners = load_partners(HOSTILE / "partners_fields.csv")
    ico = "not a valid IČO (8 digits with the mod-11 check digit)"
    assert _rejected(services) == [("row 2 (h-1)", "provider_ico", ico, "12345678"),
                                   ("row 6 (h-5)", "provider_ico", ico, "123456789"),
                                   ("row 5 (h-4)", "date_from", "not a date (expected YYYY-MM-DD or D. M. YYYY)",
                                    "1. 1. 1066")]
    assert _rejected(partners) == [("row 2", "ico", ico, "12345678")]
    # A 7-digit IČO is padded (Excel drops the leading zero) and must then pass the check digit.
    assert services.services.set_index("service_id").loc["h-2", "provider_ico"] == "03017621"
    assert partners.partners.set_index("partner_id").loc["b", "ico"] == "03017621"
    # 585599.0 is Otrokovice in both.
    assert services.services.set_index("service_id").loc["h-3", "obec_name"] == "Otrokovice"
    assert partners.partners.set_index("partner_id").loc["c", "obec_name"] == "Otrokovice"


# --------------------------------------------------------------------------- item 7: the cache trusts bytes only

def test_same_size_edit_with_the_old_mtime_is_not_served_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)  # remember the hash at once, as for a settled file
    path = tmp_path / "sluzby.csv"
    path.write_bytes((HOSTILE / "services_inf_capacity.csv").read_bytes())
    before = load_services(path).services["capacity"].tolist()
    assert any(key.startswith(f"{path.resolve()}|") for key in cache._hashes)  # the remembered path is taken
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b";12,5;", b";13,5;"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert before == [12.5] and load_services(path).services["capacity"].tolist() == [13.5]
    import hashlib
    assert cache.file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- item 8: formulas stay text

@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_formula_text_from_data_is_never_a_live_formula(tmp_path, suffix):
    data = load_services(HOSTILE / "services_formula.csv", use_cache=False)
    table = data.services[["service_id", "service_name", "provider_name", "capacity"]]
    target = write_table_atomic(table, tmp_path / f"services{suffix}")
    rejected = write_table_atomic(data.rejected, tmp_path / f"rejected{suffix}")
    if suffix == ".xlsx":
        cells = [c for row in openpyxl.load_workbook(target).active.iter_rows(min_row=2) for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        values = [c.value for c in cells]
        assert [c.value for c in cells if c.data_type == "n"] == [12, 12, 12]  # numbers stay numbers
        rejected_values = [c.value for row in openpyxl.load_workbook(rejected).active.iter_rows() for c in row]
    else:
        values = pd.read_csv(target, sep=";", dtype=str, encoding="utf-8-sig").to_numpy().ravel().tolist()
        assert pd.read_csv(target, sep=";", decimal=",", encoding="utf-8-sig")["capacity"].tolist() == [12, 12, 12]
        rejected_values = pd.read_csv(rejected, sep=";", dtype=str, encoding="utf-8-sig").to_numpy().ravel().tolist()
    assert "'=HYPERLINK(\"http://example.invalid/x\",\"klik\")" in values
    assert {"'@SUM(A1:A9)", "'+420 777 000 000", "'-1+1"} <= set(values)
    assert "'=1+1" in rejected_values
    assert not [v for v in values + rejected_values if isinstance(v, str) and v[:1] in "=+-@"]


def test_indicator_tables_neutralise_formula_text(tmp_path):
    from kpss_lib.fileio import write_table

    frame = pd.DataFrame({"orp_name": ["=cmd|' /C calc'!A0", "Zlín"], "pop_total": [1, 2]})
    path = write_table(frame, tmp_path / "t.xlsx", metadata={"Oblast": "@SUM(1)"})
    book = openpyxl.load_workbook(path)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert {"'=cmd|' /C calc'!A0", "'@SUM(1)"} <= {c.value for c in cells}


# --------------------------------------------------------------------------- the CLI: rc 2, one line

@pytest.mark.parametrize("name", ["services_zero.csv", "services_shifted_row.csv", "rpss_deep.json",
                                  "services_merged.xlsx", "rpss_formy_object.json"])
def test_cli_reports_a_bad_services_file_in_one_line(name):
    run = subprocess.run([sys.executable, "-m", "kpss_lib.cli", "indicators", "--region", "ORP Otrokovice",
                          "--services-file", str(HOSTILE / name)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent)))
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kpss indicators: error: {HOSTILE / name}")
    assert "Traceback" not in run.stderr


def test_every_error_is_a_kpss_error():
    # The corpus as a whole: nothing in it may escape as a Python traceback.
    for path in sorted(HOSTILE.iterdir()):
        if path.suffix not in (".csv", ".txt", ".json", ".xlsx"):
            continue
        loader = {"projects": load_projects, "partners": load_partners,
                  "monitoring": load_monitoring}.get(path.name.split("_")[0], load_services)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnknownCodeWarning)
            try:
                loader(path, **({"use_cache": False} if loader is load_services else {}))
            except KpssError:
                pass
