"""What a region report says first: key findings, the method box, the services list, its rejected records.

The coverage notebook's shared report opens with :func:`key_findings`, then the
map, then the tables (shown by :func:`show_table`: no index column, all-zero
columns left out, Czech numbers). Every text from the data goes through
:func:`kpss_lib.escaping.markdown_text`; tables are HTML-escaped by pandas.

White spots are split by what removes them (the phase-2 contract columns
``white_spot`` / ``terrain_reached`` / ``white_spot_all``): an obec with no
residential or day place within the radius is a white spot of those services;
an (assumed) terrain reach may still reach it (``nearest_table`` carries the
three columns). Distances are in the study's cost unit (km or drive minutes).
"""
from __future__ import annotations

import datetime as _dt

import pandas as pd

from kpss_lib.escaping import html_text, markdown_text
from kpss_lib.study import Study, coverage_table, with_region
from kpss_lib.vocabulary import capacity_text, distance_text, format_number, rejected_in_czech, to_czech_text
from kpss_lib.vocabulary.columns import number_format

__all__ = ["comparison_overview", "coverage_figures", "czech_key", "key_findings", "kraj_breaks", "method_box", "method_notes", "reading_columns", "region_summary",
           "services_table", "show_rejected_here", "show_table", "table_html", "territory_rejected"]

#: Czech headers of :func:`services_table`.
SERVICE_COLUMNS = {"service_name": "Služba", "provider_name": "Poskytovatel", "provider_ico": "IČO",
                   "type_name": "Druh", "form": "Forma", "capacity_text": "Kapacita", "obec_name": "Obec",
                   "address": "Adresa"}


# Czech alphabetical order: č, ř, š, ž and "ch" are letters of their own; other accents sort as the base letter.
_ALPHABET = ["a", "b", "c", "č", "d", "e", "f", "g", "h", "ch", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r",
             "ř", "s", "š", "t", "u", "v", "w", "x", "y", "z", "ž"]
_BASE = str.maketrans("áďéěíňóťúůý", "adeeinotuuy")


def czech_key(text: str) -> tuple:
    """Sort key of Czech alphabetical order (Čeladná after Cetechovice, Chvalčov after Hulín)."""
    letters = str(text).casefold().translate(_BASE)
    key, i = [], 0
    while i < len(letters):
        if letters.startswith("ch", i):
            key.append(_ALPHABET.index("ch") + 1)
            i += 2
            continue
        char = letters[i]
        key.append(_ALPHABET.index(char) + 1 if char in _ALPHABET else ord(char) + 100 if char.isalnum() else 0)
        i += 1
    return tuple(key)


def _kraj_of(study: Study) -> str | None:
    codes = study.obce.loc[study.obce["obec_code"].isin(study.region.obce), "kraj_code"].unique()
    return codes[0] if len(codes) == 1 else None


def coverage_figures(study: Study, table: pd.DataFrame, measure: str) -> dict:
    """Capacity per 1 000 of the target population (``measure``) in the region, its kraj and CZ."""
    column = f"per_1000_{measure}"
    # One table gives both references: a kraj's row is its own total (per 1 000 is a ratio of sums).
    by_kraj = coverage_table(study, region="CZ", level="kraj", total=True)
    figures = {"region": float(table[column].iloc[-1]), "kraj": None, "kraj_name": None,
               "cz": float(by_kraj[column].iloc[-1])}
    kraj = _kraj_of(study)
    if kraj is not None and study.region.level != "kraj":
        row = by_kraj[by_kraj["unit_code"] == kraj].iloc[0]
        figures.update(kraj=float(row[column]), kraj_name=str(row["unit_name"]))
    return figures


def _people(frame: pd.DataFrame) -> str:
    return format_number(frame["population"].sum())


def _obce_list(frame: pd.DataFrame, n: int = 8) -> str:
    names = [markdown_text(name) for name in frame["obec_name"].head(n)]
    more = f" a další {len(frame) - n}" if len(frame) > n else ""
    return ", ".join(names) + more


def key_findings(study: Study, table: pd.DataFrame, obce_table: pd.DataFrame, measure: str) -> str:
    """Markdown block "Hlavní zjištění": capacity vs kraj/CZ, white spots with their people, worst-served obce."""
    from kpss_lib.vocabulary import measure_label

    target = markdown_text(study.target)
    fig = coverage_figures(study, table, measure)
    split = obce_table.sort_values("population", ascending=False)
    day = split[split["white_spot"]]
    spots = split[split["white_spot_all"]]
    radius = distance_text(study.settings.radius, study.settings.unit)
    kraj = (f", {markdown_text(fig['kraj_name'])} {format_number(fig['kraj'], 1)}" if fig["kraj"] is not None
            else "")
    lines = [
        "## Hlavní zjištění", "",
        f"- **Kapacita:** {format_number(fig['region'], 1)} na 1 000 {target} "
        f"({markdown_text(measure_label(measure))}){kraj}, Česko {format_number(fig['cz'], 1)}.",
        f"- **Bez pobytové a ambulantní služby do {radius}:** {len(day)} obcí, {_people(day)} {target}"
        + (f" ({_obce_list(day)})." if len(day) else "."),
        f"- **Bez jakékoli služby (i terénní) – bílá místa:** {len(spots)} obcí, {_people(spots)} {target}"
        + (f" ({_obce_list(spots)})." if len(spots) else "."),
    ]
    if len(day) > len(spots):
        reach = markdown_text(str(table["terrain_reach"].iloc[-1]))
        lines.append(f"- **Pozor, rozhoduje předpoklad:** {len(day) - len(spots)} obcí bez pobytové a ambulantní "
                     f"služby pokrývá jen terénní služba s dosahem „{reach}“. Bez tohoto předpokladu by bílých "
                     f"míst bylo {len(day)}.")
    access = f"access_per_1000_{measure}"
    if access in split.columns and split[access].notna().any():
        worst = split[split["population"] > 0].sort_values([access, "population"], ascending=[True, False])
        lines.append(f"- **Nejhorší dostupnost (2SFCA):** {_obce_list(worst, 5)}.")
    farthest = split.sort_values("cost", ascending=False).head(3)
    lines.append("- **Nejdál ke službě:** " + ", ".join(
        f"{markdown_text(r.obec_name)} ({distance_text(r.cost, study.settings.unit)})" for r in farthest.itertuples())
        + ".")
    return "\n".join(lines) + "\n"


def method_notes(study: Study) -> list[str]:
    """Czech sentences stating every setting, assumption and data date, the sources and the report's date."""
    from kpss_lib.maps import source_line

    return [*study.method_notes(), f"Cílová populace: {study.target}; služby: {study.selection_text}.",
            f"{source_line(study.services.places)}.", f"Zpráva vytvořena {_dt.date.today():%-d. %-m. %Y}."]


def method_box(study: Study) -> str:
    """Markdown "Jak bylo počítáno": :func:`method_notes` as a list."""
    from kpss_lib.sections import services_text

    notes = method_notes(study)
    if not any(note.startswith("Vstup služeb:") for note in notes):
        notes.insert(0, f"Vstup služeb: {services_text(study)}.")
    return "## Jak bylo počítáno\n\n" + "\n".join(f"- {markdown_text(n)}" for n in notes) + "\n"


def services_table(study: Study) -> pd.DataFrame:
    """The selected services of the region: name, provider, IČO, kind, form, capacity with unit, obec, address."""
    places = study.region_places.copy()
    places["capacity_text"] = [capacity_text(c, u) for c, u in zip(places["capacity"], places["capacity_unit"])]
    places = places.drop_duplicates(["service_id", "place_id"]).sort_values(["obec_name", "service_name"])
    return places[list(SERVICE_COLUMNS)].rename(columns=SERVICE_COLUMNS).reset_index(drop=True)


def territory_rejected(study: Study) -> pd.DataFrame:
    """The rejected records of the selected kinds that may lie in the study's region(s).

    A record is kept when it is of a kind of the selection and its kraj (from the
    record or its provider) is a kraj of the region, or unknown (it cannot be
    placed, so it may lie there); ``kraj_known`` tells the two apart. The whole
    list stays in the run folder (``vyrazene_zaznamy.csv``).
    """
    rejected = study.rejected
    regions = [study.region] if study.region is not None else list(study.regions)
    if rejected.empty or not regions:
        return rejected.assign(kraj_known=pd.Series(dtype=bool))
    obce = {code for region in regions for code in region.obce}
    kraje = set(study.obce.loc[study.obce["obec_code"].isin(obce), "kraj_code"])
    kinds = set(study.places["type_code"].astype(str))
    here = rejected["kraj_code"].isin(kraje) | rejected["kraj_code"].isna()
    keep = here & rejected["type_code"].astype(str).isin(kinds)
    return rejected[keep].assign(kraj_known=rejected.loc[keep, "kraj_code"].notna()).reset_index(drop=True)


def show_rejected_here(study: Study) -> None:
    """The report section of rejected records that may touch this territory: capacity, Czech reasons in full."""
    from IPython.display import Markdown, display

    from kpss_lib.vocabulary import rejected_line

    here = rejected_in_czech(territory_rejected(study))
    line = rejected_line(study.rejected)
    intro = (f"{markdown_text(line[:1].upper() + line[1:])}. Úplný seznam je v souboru `vyrazene_zaznamy.csv`. ")
    if here.empty:
        display(Markdown(intro + "Žádný z nich se netýká tohoto území ani vybraných druhů služeb."))
        return
    display(Markdown(intro + f"Tohoto území se může týkat **{len(here)}** z nich (vybrané druhy služeb v kraji "
                     "území nebo bez známého místa); jejich kapacita v žádném ukazateli není:"))
    here["capacity_text"] = [capacity_text(c, u) for c, u in zip(here["capacity"], here["capacity_unit"])]
    here["place"] = here["kraj_known"].map({True: "v kraji území", False: "neznámé"})
    show_table(here[["service_name", "form", "capacity_text", "place", "reason", "value", "file", "record"]].rename(
        columns={"service_name": "Služba", "form": "Forma", "capacity_text": "Kapacita", "place": "Místo",
                 "reason": "Důvod", "value": "Hodnota", "file": "Soubor", "record": "Záznam"}), drop_zero=False)


def reading_columns(table: pd.DataFrame, measure: str) -> list[str]:
    """The columns of an indicator or comparison table a printed report shows (the XLSX keeps all).

    Name, target population, number of services, capacity per 1 000 of every measure
    with capacity, 2SFCA and rank of ``measure``, mean distance, white spots (not per
    obec, where it is 0 or 1) and the differences against kraj and CZ.
    """
    name = next(c for c in ("unit_name", "region_name") if c in table.columns)
    per_obec = table.get("level", pd.Series(dtype=object)).eq("obec").any()
    measures = [c.removeprefix("capacity_") for c in table.columns
                if c.startswith("capacity_") and table[c].fillna(0).astype(bool).any()]
    wanted = [name, "population", "n_services", *[f"per_1000_{m}" for m in measures], f"access_per_1000_{measure}",
              f"rank_per_1000_{measure}", f"per_1000_{measure}_vs_kraj", f"per_1000_{measure}_vs_cz",
              "mean_distance_km", *([] if per_obec else ["n_white_spots", "population_white_spots"])]
    return [c for c in wanted if c in table.columns]


def show_table(frame: pd.DataFrame, population: str | None = None, *, drop_zero: bool = True,
               total_label: str | None = None) -> None:
    """Display a table for reading and printing: Czech labels and numbers, no index, no all-zero columns.

    Parameters
    ----------
    frame : DataFrame
        English column names are translated (:func:`~kpss_lib.vocabulary.to_czech_text`).
    population : str, optional
        Target population key for the labels.
    drop_zero : bool, default True
        Leave out numeric columns that are zero (or empty) in every row; the XLSX keeps them.
    total_label : str, optional
        Label of the last row's name cell (``"ORP Zlín celkem"``).
    """
    from IPython.display import HTML, display

    frame = pd.DataFrame(frame.drop(columns="geometry") if "geometry" in frame.columns else frame)
    if drop_zero:
        numeric = frame.select_dtypes("number")
        frame = frame.drop(columns=[c for c in numeric.columns if not numeric[c].fillna(0).astype(bool).any()])
    if total_label is not None:
        frame = frame.copy()
        name = next(c for c in ("unit_name", "obec_name", "region_name") if c in frame.columns)
        frame[name] = frame[name].astype(object)
        frame.iloc[-1, frame.columns.get_loc(name)] = total_label
    numeric = {str(c) for c in frame.select_dtypes("number").columns}
    frame = frame.copy()
    for column in numeric:  # columns the vocabulary has no format for: whole numbers or one decimal
        if number_format(column) is None:
            whole = frame[column].dropna().eq(frame[column].dropna().round()).all()
            frame[column] = [format_number(v, 0 if whole else 1) if pd.notna(v) else "–" for v in frame[column]]
    text = to_czech_text(frame, population)
    display(HTML(table_html(text, numeric=[str(c) in numeric for c in frame.columns])))


def table_html(text: pd.DataFrame, numeric: "list[bool] | None" = None) -> str:
    """A table of texts as HTML without index, every cell escaped; ``numeric`` columns right-aligned."""
    numeric = numeric or [False] * len(text.columns)
    cls = ['' if not n else ' class="num"' for n in numeric]
    head = "".join(f"<th{c}>{html_text(str(name))}</th>" for name, c in zip(text.columns, cls))
    rows = "".join("<tr>" + "".join(f"<td{c}>{html_text('–' if pd.isna(v) else str(v))}</td>"
                                    for v, c in zip(values, cls)) + "</tr>"
                   for values in text.itertuples(index=False))
    return f'<table class="kpss-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def region_summary(study: Study, table: pd.DataFrame, obce_table: pd.DataFrame, measure: str) -> dict:
    """The ``summary.json`` of a region report (schema of :func:`kpss_lib.overview.write_summary`)."""
    from kpss_lib.vocabulary import measure_label

    fig = coverage_figures(study, table, measure)
    split = obce_table
    whole = table.iloc[-1]
    access = f"access_per_1000_{measure}"

    def value(x):
        return None if x is None or pd.isna(x) else float(x)

    figures = [
        {"key": "population", "label": f"Cílová populace ({study.target})", "value": value(whole["population"]),
         "unit": "osob", "format": "int"},
        {"key": "capacity", "label": "Kapacita", "value": value(whole[f"capacity_{measure}"]),
         "unit": measure_label(measure),
         "format": "int"},
        {"key": "per_1000", "label": "Kapacita na 1 000", "value": fig["region"], "unit": "", "format": "dec1"},
        {"key": "per_1000_kraj", "label": "Kraj na 1 000", "value": fig["kraj"], "unit": "", "format": "dec1"},
        {"key": "per_1000_cz", "label": "Česko na 1 000", "value": fig["cz"], "unit": "", "format": "dec1"},
        {"key": "white_spot_day", "label": "Obce bez pobyt./amb. služby", "value": int(split["white_spot"].sum()),
         "unit": "obcí", "format": "int"},
        {"key": "white_spot_all", "label": "Bílá místa (obce)", "value": int(split["white_spot_all"].sum()),
         "unit": "obcí", "format": "int"},
        {"key": "white_spot_people", "label": "Lidé v bílých místech",
         "value": float(split.loc[split["white_spot_all"], "population"].sum()), "unit": "osob", "format": "int"},
        {"key": "access", "label": "2SFCA na 1 000",
         "value": value(whole[access]) if access in table.columns else None, "unit": "", "format": "dec1"},
        {"key": "mean_distance", "label": "Prům. vzdušná vzdálenost ke službě", "value": value(whole["mean_distance_km"]),
         "unit": "km", "format": "dec1"},
    ]
    obce = [{"obec_code": str(r.obec_code), "obec_name": str(r.obec_name), "white_spot": bool(r.white_spot_all),
             "white_spot_day": bool(r.white_spot),
             "value": value(getattr(r, access)) if access in split.columns else None}
            for r in split.itertuples()]
    region = study.region
    return {"title": f"{study.selection_text} – {region.label}", "region": {"code": str(region.code),
            "name": region.name, "level": region.level}, "figures": figures, "notes": method_notes(study),
            "obce": obce}


def comparison_overview(study: Study, table: pd.DataFrame, indicator: str) -> dict:
    """The ``summary.json`` of a comparison report: number of regions, highest, lowest and CZ capacity per 1 000."""
    area = study.within or (study.regions[0] if study.regions else None)
    values = table[indicator].dropna()
    figures = [
        {"key": "n_regions", "label": "Srovnávaných území", "value": len(table), "unit": "", "format": "int"},
        {"key": "per_1000_max", "label": "Nejvyšší kapacita na 1 000",
         "value": float(values.max()) if len(values) else None, "unit": "", "format": "dec1"},
        {"key": "per_1000_min", "label": "Nejnižší kapacita na 1 000",
         "value": float(values.min()) if len(values) else None, "unit": "", "format": "dec1"},
        {"key": "per_1000_cz", "label": "Česko na 1 000", "value": float(table[f"{indicator}_cz"].iloc[0]),
         "unit": "", "format": "dec1"},
    ]
    return {"title": f"{study.selection_text} – srovnání území",
            "region": {"code": str(area.code) if area else "", "name": area.name if area else "",
                       "level": area.level if area else ""},
            "figures": figures, "notes": method_notes(study), "obce": []}


def kraj_breaks(study: Study, column: str, k: int = 5):
    """Choropleth breaks of ``column`` over every obec of the region's kraj (``maps.shared_breaks``)."""
    from kpss_lib import maps
    from kpss_lib.study import nearest_table

    kraj = _kraj_of(study) or study.region
    values = nearest_table(with_region(study, kraj))[column].dropna()
    return maps.shared_breaks(values, k=min(k, max(values.nunique(), 1)))
