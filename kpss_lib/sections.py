"""Sections that notebooks and commands share: the rejected records, the services input, saved outputs.

Notebooks hold parameters, narrative and one call per step; what a step shows
lives here. Every text from the data or the parameters that goes into Markdown
passes :func:`kpss_lib.escaping.markdown_text` (a file named
``x[a](javascript:alert(1)).csv`` stays text, never a link).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpss_lib.escaping import markdown_text
from kpss_lib.fileio import write_table
from kpss_lib.load.services import REJECTED_COLUMNS
from kpss_lib.study import Study, services_input
from kpss_lib.vocabulary import REJECTED_LABELS, rejected_line, services_input_text

__all__ = ["input_description", "rejected_counts", "rejected_examples", "services_text", "show_rejected",
           "write_rejected"]


def services_text(study: Study) -> str:
    """Czech description of the study's services input (plain text, not escaped)."""
    return services_input_text(services_input(study.services_file))


def input_description(study: Study, table: pd.DataFrame, *, level: str | None = None) -> dict:
    """The "Popis" sheet of a table: :func:`~kpss_lib.vocabulary.table_description` plus the services input."""
    from kpss_lib.vocabulary import table_description

    description = table_description(table, level=level or study.level)
    description.update({"Vstup služeb": services_text(study),
                        "Vyřazené záznamy vstupu": rejected_line(study.rejected)})
    return description


def rejected_counts(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected records counted by file, column and reason (most frequent first).

    Returns
    -------
    DataFrame
        ``file, column, reason, n_records``.
    """
    if rejected.empty:
        return pd.DataFrame(columns=["file", "column", "reason", "n_records"])
    counts = (rejected.groupby(["file", "column", "reason"], dropna=False).size().rename("n_records")
              .reset_index().sort_values(["n_records", "file", "column"], ascending=[False, True, True]))
    return counts.reset_index(drop=True)


def rejected_examples(rejected: pd.DataFrame, per_reason: int = 3) -> pd.DataFrame:
    """The first ``per_reason`` rejected records of every (file, column, reason), for a short listing.

    Every reason and every input file shows up, also a reason with one record at
    the end of a long list (an analyst's own file after the register's rejections).
    """
    if rejected.empty:
        return rejected
    return rejected.groupby(["file", "column", "reason"], sort=False, dropna=False).head(per_reason)


def write_rejected(rejected: pd.DataFrame, path: str | Path) -> Path:
    """Write the rejected records: CSV/XLSX with Czech headers, Parquet with English ones (atomically)."""
    path = Path(path)
    table = pd.DataFrame(rejected, columns=REJECTED_COLUMNS)
    if path.suffix.lower() != ".parquet":
        table = table.rename(columns=REJECTED_LABELS)
    return write_table(table, path, sheet_name="Vyřazené záznamy")


def show_rejected(study: Study) -> None:
    """The notebook section "Vyřazené záznamy": one line, counts by reason, three examples of each."""
    from IPython.display import Markdown, display

    rejected = study.rejected
    line = rejected_line(rejected)
    display(Markdown(markdown_text(line[:1].upper() + line[1:]) + "."))
    if len(rejected):
        display(rejected_counts(rejected).rename(columns=REJECTED_LABELS))
        display(rejected_examples(rejected).rename(columns=REJECTED_LABELS))
