"""The settings every indicator of a study shares, checked once: distance kind, radii, date, speeds.

:class:`Settings` is the one place to add a setting; :func:`resolve_cost` turns
``cost="auto"`` into drive time where the road file is present (else straight lines,
with a note) and :func:`study_network` builds the road network once per process.
:mod:`kpss_lib.study` re-exports all of it.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from kpss_lib.errors import UnknownValueError
from kpss_lib.indicators import coverage as _coverage
from kpss_lib.indicators.costs import COST_KINDS, COST_UNITS
from kpss_lib.indicators.distance import check_radius_km
from kpss_lib.indicators.roads import DEFAULT_SPEEDS_KMH, RoadNetwork, road_network
from kpss_lib.load.roads import load_road_edges, roads_available
from kpss_lib.load.tables import parse_date

__all__ = ["COST_CHOICES", "COST_NAMES", "Settings", "parse_speeds", "resolve_cost", "study_network"]

COST_CHOICES: tuple[str, ...] = ("auto", *COST_KINDS)
#: The Czech name of each cost kind, as notes and CLI lines say it.
COST_NAMES = {"straight": "vzdušná vzdálenost", "road": "vzdálenost po silnicích", "drive": "jízdní doba autem"}


def _positive(value: object, argument: str, unit: str) -> float:
    """``value`` as a float; UnknownValueError naming ``argument`` and ``unit`` unless finite and > 0."""
    if isinstance(value, bool):
        value = float("nan")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not math.isfinite(number) or number <= 0:
        raise UnknownValueError(f"{argument}: expected a positive number of {unit}, got {value!r}")
    return number


def parse_speeds(value: "str | Mapping[str, float] | Iterable | None", what: str = "argument"
                 ) -> "tuple[tuple[str, float], ...] | None":
    """Road-class speeds as sorted ``(class, km/h)`` pairs (hashable, for a frozen :class:`Settings`).

    Accepts ``"dálnice=110, silnice I. třídy=70"`` (CLI, notebook parameters), a mapping
    or pairs; ``None``/``""``/``{}`` keep the defaults of
    :data:`~kpss_lib.indicators.roads.DEFAULT_SPEEDS_KMH`. Classes and speeds are checked
    when the network is built (unknown classes listed).
    """
    if value is None or (isinstance(value, (str, Mapping)) and not value):
        return None
    if isinstance(value, str):
        pairs = []
        for part in value.split(","):
            name, sep, speed = part.partition("=")
            if not sep or not name.strip():
                raise UnknownValueError(f"{what} speeds={value!r}: expected 'road class=km/h, …', "
                                        f"e.g. 'dálnice=110, silnice I. třídy=70', got the part {part.strip()!r}")
            pairs.append((name.strip(), speed.strip()))
    else:
        pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    unknown = sorted({str(name) for name, _ in pairs} - set(DEFAULT_SPEEDS_KMH))
    if unknown:
        raise UnknownValueError(f"{what} speeds: unknown road class(es) {unknown!r}; expected some of "
                                f"{', '.join(DEFAULT_SPEEDS_KMH)}")
    return tuple(sorted((str(name), _positive(speed, f"{what} speeds[{name!r}]", "km/h"))
                        for name, speed in pairs))


def _reference_date(value: object, what: str) -> str | None:
    """``on`` as ``YYYY-MM-DD`` (None/"" = the input's own date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        when = parse_date(value if not isinstance(value, str) else value.strip())
    except (ValueError, TypeError):
        when = None
    if when is None:
        raise UnknownValueError(f"{what} on={value!r}: expected a date YYYY-MM-DD (e.g. '2026-01-01') "
                                "or '' for the input's own date")
    return f"{when:%Y-%m-%d}"


@dataclass(frozen=True)
class Settings:
    """Settings of every indicator of a study (the one place to add another).

    Distances are in the unit of ``cost``: kilometres for "straight" and "road"
    (``*_km`` settings), minutes for "drive" (``*_min`` settings); the properties
    :attr:`radius`, :attr:`terrain_radius` and :attr:`catchment` give the ones in use.

    Attributes
    ----------
    radius_km : float, default 10.0
        White spot: no residential or day place of the selection within this distance (km).
    terrain_radius_km : float, default 15.0
        Assumed reach of a terrain service around its base when the input has no
        registered territorial scope (km).
    catchment_km : float or None, default 20.0
        2SFCA catchment (km); None leaves accessibility out.
    terrain_attribution : {"base", "reach"}, default "base"
        Count terrain capacity where the service is based, or spread it over the
        obce it reaches by target population.
    cost : {"auto", "straight", "road", "drive"}, default "auto"
        Distance kind (:mod:`kpss_lib.indicators.costs`); :func:`open_study` resolves
        "auto" to "drive" where the road file is present, else "straight" (with a note).
    radius_min : float, default 15.0
        White spot radius in drive minutes.
    catchment_min : float or None, default 30.0
        2SFCA catchment in drive minutes (E2SFCA zones of Luo & Qi: 0–10, 10–20,
        20–30 min); None leaves accessibility out.
    terrain_radius_min : float, default 20.0
        Assumed terrain reach in drive minutes.
    on : str or None, default None
        Reference date "YYYY-MM-DD" of the services; None: the input's own date.
    speeds : tuple of (road class, km/h), optional
        Speeds replacing the defaults of :data:`~kpss_lib.indicators.roads.DEFAULT_SPEEDS_KMH`
        (see :func:`parse_speeds`).
    """

    radius_km: float = 10.0
    terrain_radius_km: float = 15.0
    catchment_km: float | None = 20.0
    terrain_attribution: str = "base"
    cost: str = "auto"
    radius_min: float = 15.0
    catchment_min: float | None = 30.0
    terrain_radius_min: float = 20.0
    on: str | None = None
    speeds: "tuple[tuple[str, float], ...] | None" = None

    def checked(self, what: str = "argument") -> "Settings":
        """The settings as floats; UnknownValueError naming ``what`` and the setting otherwise."""
        if self.terrain_attribution not in _coverage.ATTRIBUTIONS:
            raise UnknownValueError(f"{what} terrain_attribution={self.terrain_attribution!r}: expected one of "
                                    f"{', '.join(_coverage.ATTRIBUTIONS)}")
        if self.cost not in COST_CHOICES:
            raise UnknownValueError(f"{what} cost={self.cost!r}: expected one of {', '.join(COST_CHOICES)} "
                                    "(auto = drive time where the road file is present)")

        def minutes(value: object, name: str) -> float:
            return _positive(value, f"{what} {name}", "minutes")

        return Settings(
            radius_km=check_radius_km(self.radius_km, f"{what} radius_km"),
            terrain_radius_km=check_radius_km(self.terrain_radius_km, f"{what} terrain_radius_km"),
            catchment_km=(None if self.catchment_km is None
                          else check_radius_km(self.catchment_km, f"{what} catchment_km")),
            terrain_attribution=self.terrain_attribution,
            cost=self.cost,
            radius_min=minutes(self.radius_min, "radius_min"),
            catchment_min=None if self.catchment_min is None else minutes(self.catchment_min, "catchment_min"),
            terrain_radius_min=minutes(self.terrain_radius_min, "terrain_radius_min"),
            on=_reference_date(self.on, what),
            speeds=parse_speeds(self.speeds, what))

    @property
    def unit(self) -> str:
        """"km" or "min": the unit of :attr:`radius`, :attr:`terrain_radius`, :attr:`catchment`."""
        return COST_UNITS.get(self.cost, "km")

    @property
    def radius(self) -> float:
        """White-spot radius in the cost's unit."""
        return self.radius_min if self.cost == "drive" else self.radius_km

    @property
    def terrain_radius(self) -> float:
        """Assumed terrain reach in the cost's unit."""
        return self.terrain_radius_min if self.cost == "drive" else self.terrain_radius_km

    @property
    def catchment(self) -> float | None:
        """2SFCA catchment in the cost's unit (None: no accessibility)."""
        return self.catchment_min if self.cost == "drive" else self.catchment_km

    def basis_arguments(self) -> dict:
        """Keyword arguments of :func:`~kpss_lib.indicators.coverage.indicator_basis` (without the network)."""
        if self.cost in ("auto", "straight"):
            return {"radius_km": self.radius_km, "terrain_radius_km": self.terrain_radius_km,
                    "catchment_km": self.catchment_km, "terrain_attribution": self.terrain_attribution}
        return {"radius_km": self.radius, "terrain_radius_km": self.terrain_radius,
                "catchment_km": self.catchment, "terrain_attribution": self.terrain_attribution,
                "cost": self.cost}


_NETWORKS: dict = {}


def study_network(speeds: "tuple[tuple[str, float], ...] | None" = None) -> RoadNetwork:
    """The road network of the data folder, built once per process per road-file content and speeds."""
    edges = load_road_edges()
    content = hashlib.sha256(pd.util.hash_pandas_object(
        edges[["u", "v", "road_class", "length_m"]], index=False).to_numpy().tobytes()).hexdigest()
    key = (content, speeds)
    if key not in _NETWORKS:
        _NETWORKS.clear()  # one data folder at a time: an old network is not kept alive
        _NETWORKS[key] = road_network(edges, dict(speeds) if speeds else None)
    return _NETWORKS[key]


def resolve_cost(settings: Settings) -> "tuple[Settings, RoadNetwork | None, tuple[str, ...]]":
    """Settings with ``cost`` resolved ("auto" → "drive" or "straight"), the road network it needs, notes.

    Raises
    ------
    UnknownValueError
        "road" or "drive" asked for explicitly without the road file.
    """
    cost = settings.cost
    notes: tuple[str, ...] = ()
    if cost == "auto":
        cost = "drive" if roads_available() else "straight"
        if cost == "straight":
            notes = ("Silniční síť (silnice_arccr500.geojson) není v datové složce: vzdálenosti jsou vzdušnou "
                     "čarou v km, ne jízdní doba.",)
    elif cost != "straight" and not roads_available():
        raise UnknownValueError(f"cost={cost!r} needs the road file silnice_arccr500.geojson in the data folder "
                                "(kpss data); use cost='straight' or 'auto'")
    network = study_network(settings.speeds) if cost != "straight" else None
    return replace(settings, cost=cost), network, notes
