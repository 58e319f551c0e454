"""Choosing which services an indicator counts: by kind, category, form, target group, unit.

Every filter forgives case and diacritics ("terenni" = "terénní") and accepts a
unique beginning or part of a name ("pečovatelská" = "pečovatelská služba",
"prevence" = "služby sociální prevence"); a value that matches nothing, or several
things, raises :class:`~kpss_lib.errors.UnknownValueError` listing the closest
valid names. Filters combine with AND; the values within one filter with OR.

Kinds of service (``types``) are resolved against the code list of z. 108/2006 Sb.
(:func:`kpss_lib.load.services.service_types`), so a kind that exists in law but
not in the data gives an empty selection, not an error.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.load.services import (
    CAPACITY_UNITS,
    CATEGORIES,
    FORMS,
    TARGET_GROUPS,
    resolve_service_type,
    service_types,
)
from kpss_lib.load.territory import POPULATION_GROUPS, normalize_name

__all__ = [
    "Selection",
    "default_population",
    "resolve_categories",
    "resolve_capacity_units",
    "resolve_forms",
    "resolve_target_groups",
    "resolve_types",
    "select_services",
]

#: Target groups of the register known to kpss (CilovaSkupinaOsoby); others may come with the data.
KNOWN_TARGET_GROUPS = tuple(dict.fromkeys(
    [*TARGET_GROUPS, "pečující osoby", "osoby s potřebou paliativní péče", "osoby žijící s demencí"]))
#: English aliases of capacity units, so ``beds`` works like ``lůžka``.
_UNIT_ALIASES = {"beds": "lůžka", "clients": "klienti", "contacts": "kontakty",
                 "interventions": "intervence", "calls": "hovory"}


def _as_list(values: str | int | Iterable | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, (str, int)):
        values = [values]
    return [str(v).strip() for v in values if str(v).strip()]


def _closest(text: str, names: list[str], n: int = 5) -> list[str]:
    by_key = {normalize_name(name): name for name in names}
    keys = difflib.get_close_matches(normalize_name(text), list(by_key), n=n, cutoff=0.4)
    return [by_key[k] for k in keys]


def _resolve_one(value: str, choices: dict[str, str], what: str, argument: str) -> str:
    """Canonical value for ``value``: exact alias, then a unique beginning, then a unique part.

    ``choices`` maps accepted spellings (any case/diacritics) to canonical values.
    """
    key = normalize_name(value)
    aliases = {normalize_name(alias): canonical for alias, canonical in choices.items()}
    if key in aliases:
        return aliases[key]
    canonical_names = list(dict.fromkeys(choices.values()))
    words = key.split()

    def word_prefixes(alias: str) -> bool:
        # "domov pro seniory" → "domovy pro seniory": Czech plurals extend the singular.
        parts = alias.split()
        return len(words) <= len(parts) and all(p.startswith(w) for w, p in zip(words, parts))

    for test in (lambda alias: alias.startswith(key), word_prefixes, lambda alias: key in alias):
        hits = sorted({canonical for alias, canonical in aliases.items() if key and test(alias)})
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UnknownValueError(
                f"{argument}: {value!r} is ambiguous, it matches {what}s {', '.join(hits)}; give the full name")
    close = _closest(value, canonical_names)
    if close and len(canonical_names) > 10:
        hint = f"closest: {', '.join(close)}"
    else:
        hint = (f"closest: {', '.join(close)}; " if close else "") + f"valid values: {', '.join(canonical_names)}"
    raise UnknownValueError(f"{argument}: unknown {what} {value!r} ({hint})")


def resolve_types(values: str | int | Iterable | None) -> pd.DataFrame:
    """Rows of :func:`~kpss_lib.load.services.service_types` for MPSV codes, names or §.

    Parameters
    ----------
    values : str, int or iterable of them
        ``"13"``, ``13``, ``"domovy pro seniory"``, ``"§ 49"``, ``"49"``, or a unique
        part of a name (``"pečovatelská"``).

    Raises
    ------
    UnknownValueError
        naming the closest kinds of service.
    """
    types = service_types()
    rows = []
    for value in _as_list(values):
        try:
            rows.append(resolve_service_type(value))
            continue
        except UnknownValueError:
            pass
        choices = {name: name for name in types["type_name"]}
        name = _resolve_one(value, choices, "service type", "types")
        rows.append(types[types["type_name"] == name].iloc[0])
    if not rows:
        return types.iloc[0:0]
    return pd.DataFrame(rows).drop_duplicates("type_name").reset_index(drop=True)


def resolve_categories(values: str | Iterable | None) -> list[str]:
    """Canonical category names ("služby sociální péče", …) for ``values`` (e.g. "péče")."""
    return list(dict.fromkeys(_resolve_one(v, {c: c for c in CATEGORIES}, "category", "categories")
                              for v in _as_list(values)))


def resolve_forms(values: str | Iterable | None) -> list[str]:
    """Czech form names ("pobytová", "ambulantní", "terénní") for names or codes ("ter")."""
    choices = {**{label: label for label in FORMS.values()}, **FORMS}
    return list(dict.fromkeys(_resolve_one(v, choices, "form", "forms") for v in _as_list(values)))


def resolve_capacity_units(values: str | Iterable | None) -> list[str]:
    """Czech capacity units ("lůžka", "klienti", …) for names, codes ("luzka") or English ("beds")."""
    choices = {**{label: label for label in CAPACITY_UNITS.values()}, **CAPACITY_UNITS, **_UNIT_ALIASES}
    return list(dict.fromkeys(_resolve_one(v, choices, "capacity unit", "capacity_units")
                              for v in _as_list(values)))


def resolve_target_groups(values: str | Iterable | None, extra: Iterable[str] = ()) -> list[str]:
    """Target group names ("senioři", …); ``extra`` adds groups found in the data."""
    names = list(dict.fromkeys([*KNOWN_TARGET_GROUPS, *extra]))
    return list(dict.fromkeys(_resolve_one(v, {n: n for n in names}, "target group", "target_groups")
                              for v in _as_list(values)))


def _groups_of(column: pd.Series) -> pd.Series:
    return column.fillna("").astype(str).str.split(";").map(lambda parts: {p.strip() for p in parts if p.strip()})


def select_services(
    places_or_services: pd.DataFrame,
    types: str | int | Iterable | None = None,
    categories: str | Iterable | None = None,
    forms: str | Iterable | None = None,
    target_groups: str | Iterable | None = None,
    capacity_units: str | Iterable | None = None,
) -> pd.DataFrame:
    """The rows of a services or places table that match a selection.

    Parameters
    ----------
    places_or_services : DataFrame
        ``ServiceData.places`` or ``ServiceData.services`` (needs ``type_code``,
        ``category``, ``form``, ``capacity_unit``; ``target_groups`` when filtering
        by target group).
    types : str, int or iterable, optional
        Kinds of service: MPSV code (``"13"``), name (``"domovy pro seniory"``),
        § (``"§ 49"``) or a unique part of a name. Default: every kind.
    categories : str or iterable, optional
        ``"sociální poradenství"``, ``"služby sociální péče"``, ``"služby sociální
        prevence"`` (or ``"péče"``, ``"prevence"``, ``"poradenství"``).
    forms : str or iterable, optional
        ``"pobytová"``, ``"ambulantní"``, ``"terénní"`` (or ``pob``, ``amb``, ``ter``).
    target_groups : str or iterable, optional
        e.g. ``"senioři"``; a service matches when any of its target groups does.
    capacity_units : str or iterable, optional
        ``"lůžka"``, ``"klienti"``, ``"kontakty"``, ``"intervence"``, ``"hovory"``.

    Returns
    -------
    DataFrame
        The matching rows (same columns and index labels). ``attrs["selection"]``
        holds a Czech description, ``attrs["selection_filters"]`` the resolved
        values of each filter.

    Raises
    ------
    UnknownValueError
        for an unknown or ambiguous value (the message lists the closest names),
        or a table without the needed columns.
    """
    frame = places_or_services
    needed = ["type_code", "category", "form", "capacity_unit"]
    missing = [c for c in needed if c not in frame.columns]
    if target_groups is not None and "target_groups" not in frame.columns:
        missing.append("target_groups")
    if missing:
        raise UnknownValueError(
            f"places_or_services: missing column(s) {', '.join(missing)}; expected a table from load_services()")
    type_rows = resolve_types(types)
    filters = {
        "types": type_rows["type_name"].tolist(),
        "categories": resolve_categories(categories),
        "forms": resolve_forms(forms),
        "target_groups": resolve_target_groups(
            target_groups, extra=sorted(set().union(*_groups_of(frame["target_groups"])))
            if "target_groups" in frame.columns and len(frame) else ()),
        "capacity_units": resolve_capacity_units(capacity_units),
    }
    mask = pd.Series(True, index=frame.index)
    if types is not None:
        codes = [c for c in type_rows["type_code"] if c]
        by_code = frame["type_code"].astype(str).isin(codes)
        by_name = frame["type_name"].isin(filters["types"]) if "type_name" in frame.columns else False
        mask &= by_code | by_name
    if categories is not None:
        mask &= frame["category"].isin(filters["categories"])
    if forms is not None:
        mask &= frame["form"].isin(filters["forms"])
    if capacity_units is not None:
        mask &= frame["capacity_unit"].isin(filters["capacity_units"])
    if target_groups is not None:
        wanted = set(filters["target_groups"])
        mask &= _groups_of(frame["target_groups"]).map(lambda groups: bool(groups & wanted))
    result = frame[mask.to_numpy()].copy()
    result.attrs = {"selection": describe_selection(filters), "selection_filters": filters}
    return result


def describe_selection(filters: dict[str, list[str]]) -> str:
    """Czech one-line description of resolved filters, e.g. "domovy pro seniory; forma pobytová"."""
    labels = {"types": "", "categories": "kategorie ", "forms": "forma ", "target_groups": "cílová skupina ",
              "capacity_units": "kapacita v jednotkách "}
    parts = [labels[key] + ", ".join(values) for key, values in filters.items() if values]
    return "; ".join(parts) if parts else "všechny služby"


def default_population(types: str | int | Iterable | None) -> str:
    """The target population a selection is measured against by default.

    The ``default_population`` of the selected kinds (e.g. "65+" for domovy pro
    seniory) when they all agree; "total" otherwise or with no kind selected.
    """
    rows = resolve_types(types)
    groups = set(rows["default_population"]) if len(rows) else set()
    if len(groups) == 1:
        group = groups.pop()
        if group in POPULATION_GROUPS:
            return group
    return "total"


@dataclass(frozen=True)
class Selection:
    """A selection of services, to pass around as one value (notebooks, CLI, maps).

    Attributes hold the values as the user wrote them; :meth:`apply` resolves
    them. ``Selection()`` selects everything.
    """

    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    capacity_units: tuple[str, ...] = ()

    @classmethod
    def of(cls, value: "Selection | str | int | Iterable | None" = None, **filters) -> "Selection":
        """A Selection from another one, from kinds of service (str or list), or from keywords."""
        if isinstance(value, Selection):
            return value
        return cls(types=tuple(_as_list(value)), **{k: tuple(_as_list(v)) for k, v in filters.items()})

    @classmethod
    def from_text(cls, types: str = "", categories: str = "", forms: str = "", target_groups: str = "",
                  capacity_units: str = "") -> "Selection":
        """A Selection from comma-separated text, as notebook parameters and CLI flags give it.

        ``Selection.from_text("13, 14", forms="pobytová")``; empty text = no filter.
        """
        def split(text: str | Iterable | None) -> tuple[str, ...]:
            values = [text] if isinstance(text, str) else list(text or [])
            return tuple(part.strip() for value in values for part in str(value).replace(";", ",").split(",")
                         if part.strip())

        return cls(types=split(types), categories=split(categories), forms=split(forms),
                   target_groups=split(target_groups), capacity_units=split(capacity_units))

    def apply(self, places_or_services: pd.DataFrame) -> pd.DataFrame:
        """The matching rows (see :func:`select_services`)."""
        return select_services(places_or_services, **self._arguments())

    def _arguments(self) -> dict[str, tuple[str, ...] | None]:
        return {name: (getattr(self, name) or None) for name in
                ("types", "categories", "forms", "target_groups", "capacity_units")}

    def default_population(self) -> str:
        """See :func:`default_population`."""
        return default_population(self.types or None)

    def describe(self) -> str:
        """Czech description of the resolved selection."""
        filters = {
            "types": resolve_types(self.types or None)["type_name"].tolist(),
            "categories": resolve_categories(self.categories or None),
            "forms": resolve_forms(self.forms or None),
            "target_groups": resolve_target_groups(self.target_groups or None),
            "capacity_units": resolve_capacity_units(self.capacity_units or None),
        }
        return describe_selection(filters)
