"""The matplotlib charts of the notebooks: tables in, a saved and returned Figure out.

Each function draws one chart from a table the indicator functions return
(English column names, shares 0–1), labels it in Czech from
:mod:`kpss_lib.vocabulary`, saves it when ``path`` is given (PNG, atomically) and
returns the closed Figure, which a notebook shows by ending a cell with it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpss_lib.fileio import atomic_path
from kpss_lib.vocabulary import column_label, format_number

__all__ = ["capacity_chart", "cost_per_inhabitant_chart", "funding_shares_chart", "need_supply_chart",
           "spending_per_year_chart", "status_chart"]

#: Colours of the charts: points, CZ reference, kraj references.
POINT_COLOR, CZ_COLOR, KRAJ_COLOR = "#1f5f8b", "#b00020", "#555555"


def _czech_ticks(fig) -> None:
    """Number ticks the Czech way (decimal comma, no-break thousands), category axes as they are."""
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    def czech(value: float, _position) -> str:
        return format_number(value, 0 if float(value).is_integer() else 2 if abs(value) < 1 else 1)

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(FuncFormatter(czech))


def _place_labels(ax, xs, ys, names, fontsize: int = 7) -> None:
    """Label points without overlaps: each label takes the first of eight positions around its point
    whose box meets no label placed before (larger points first); one that fits nowhere is left out
    and the point stays (the table lists every region)."""
    renderer = ax.figure.canvas.get_renderer()
    offsets = [(4, 4), (4, -10), (-4, 4), (-4, -10), (0, 8), (0, -14), (8, 0), (-8, 0)]
    placed = []
    for x, y, name in sorted(zip(xs, ys, names), key=lambda p: -p[1] if p[1] == p[1] else 0):
        if x != x or y != y:
            continue
        for dx, dy in offsets:
            label = ax.annotate(name, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                                ha="left" if dx >= 0 else "right")
            box = label.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            label.remove()


def _finish(fig, path: str | Path | None):
    """Lay out, save (PNG, 120 dpi, atomically) and close ``fig``; return it for display."""
    import matplotlib.pyplot as plt

    _czech_ticks(fig)
    fig.tight_layout()
    if path is not None:
        with atomic_path(path) as temporary:
            fig.savefig(temporary, dpi=120, format="png")
    plt.close(fig)  # shown once, by the cell that returns it
    return fig


def _subplots(*args, **kwargs):
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def capacity_chart(table: pd.DataFrame, indicator: str, population: str, path: str | Path | None = None):
    """Capacity and 2SFCA per 1 000 of each compared region, with the kraj and CZ values as lines.

    Parameters
    ----------
    table : DataFrame
        :func:`kpss_lib.study.compare_table`.
    indicator : str
        ``per_1000_<measure>``; the 2SFCA panel shows ``access_<indicator>`` when present.
    population : str
        Target population key, for the labels.
    path : str or Path, optional
        PNG to write.
    """
    ordered = table.sort_values(indicator)
    fig, axes = _subplots(1, 2, figsize=(12, 0.35 * len(ordered) + 1.8), sharey=True)
    for ax, column in zip(axes, (indicator, f"access_{indicator}")):
        if column not in ordered.columns:
            ax.set_visible(False)
            continue
        ax.scatter(ordered[column], ordered["region_name"], color=POINT_COLOR, zorder=3)
        ax.axvline(ordered[f"{column}_cz"].iloc[0], color=CZ_COLOR, label="Česko")
        for kraj_name, value in ordered.groupby("kraj_name")[f"{column}_kraj"].first().items():
            if value == value and ";" not in kraj_name:  # a region spanning kraje has no one kraj value
                ax.axvline(value, color=KRAJ_COLOR, linestyle=":", label=kraj_name)
        ax.set_title(column_label(column, population), fontsize=10, wrap=True)
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(loc="lower right", fontsize=8)
    return _finish(fig, path)


def need_supply_chart(table: pd.DataFrame, indicator: str, population: str, path: str | Path | None = None):
    """Need (80+ share, DataPAQ) across, capacity per 1 000 up: one panel per need indicator with data (≤ 2).

    Shares (0–1) are drawn as %.
    """
    need_columns = [c for c in ("share_80_plus", "living_allowance_pct", "distraint_pct", "share_65_plus")
                    if table[c].notna().any()][:2]
    fig, axes = _subplots(1, len(need_columns), figsize=(6 * len(need_columns), 4.5), squeeze=False)
    for ax, column in zip(axes[0], need_columns):
        x = table[column] * (100 if column.startswith("share_") else 1)
        ax.scatter(x, table[indicator], color=POINT_COLOR)
        _place_labels(ax, x, table[indicator], table["region_name"])
        ax.set_xlabel(column_label(column, population) + (" (%)" if column.startswith("share_") else ""))
        ax.set_ylabel(column_label(indicator, population), fontsize=9)
        ax.grid(alpha=0.3)
    return _finish(fig, path)


def _barh(frame: "pd.DataFrame | pd.Series", *, xlabel: str, title: str, stacked: bool = False,
          colors: list[str] | None = None, figsize: tuple[float, float] | None = None,
          path: str | Path | None = None):
    fig, ax = _subplots(figsize=figsize or (8, 0.6 * len(frame) + 1.5))
    frame.plot.barh(ax=ax, stacked=stacked, color=colors)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    if stacked:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return _finish(fig, path)


def funding_shares_chart(shares: pd.DataFrame, path: str | Path | None = None):
    """Shares (0–1) of each funding source in each project's costs, stacked, in %."""
    return _barh(shares * 100, xlabel="podíl na celkových nákladech [%]", title="Podíly zdrojů financování",
                 stacked=True, path=path)


def cost_per_inhabitant_chart(cost: pd.Series, path: str | Path | None = None):
    """A project's cost per inhabitant of its area (Kč), one bar per project."""
    return _barh(cost, xlabel="Kč na obyvatele území", title="Náklady projektu na obyvatele", path=path)


#: States of measures in the order and colours of :func:`status_chart` (done first, in green).
STATE_COLORS = {"splněno": "#1a9850", "probíhá": "#91cf60", "nezahájeno": "#fee08b", "zrušeno": "#d73027",
                "bez záznamu": "#cccccc"}


def status_chart(fulfilment: pd.DataFrame, year: int, path: str | Path | None = None):
    """Shares of measures by state (splněno … bez záznamu) per target group, stacked, in %.

    Parameters
    ----------
    fulfilment : DataFrame
        :func:`kpss_lib.indicators.planning.plan_fulfilment` ``by="target_group"``
        (``target_group_name``, ``share_<state>`` 0–1).
    year : int
        The evaluated year, for the title.
    """
    from kpss_lib.indicators.planning import state_key

    shares = fulfilment.set_index("target_group_name")[[f"share_{state_key(s)}" for s in STATE_COLORS]]
    shares.columns = list(STATE_COLORS)
    colors = list(STATE_COLORS.values())
    return _barh(shares * 100, xlabel="podíl opatření [%]", title=f"Stav opatření v roce {year}", stacked=True,
                 colors=colors, figsize=(9, 3), path=path)


def spending_per_year_chart(pivot: pd.DataFrame, path: str | Path | None = None):
    """Spending (Kč) per year (rows) and project (columns), stacked bars."""
    fig, ax = _subplots(figsize=(8, 4))
    pivot.plot.bar(ax=ax, stacked=True)
    ax.set_ylabel("Kč")
    ax.set_xlabel("rok")
    ax.set_title("Výdaje projektů po letech (poměrně podle měsíců)")
    return _finish(fig, path)
