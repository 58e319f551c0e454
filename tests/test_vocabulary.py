"""The one Czech vocabulary: numbers, units, labels (the maps take theirs from it too)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kpss_lib import vocabulary


@pytest.mark.parametrize("value, decimals, expected", [
    (1234.5, 1, "1\u00a0234,5"), (-3, 0, "\u22123"), (0.004, 2, "0,00"), (-0.004, 2, "0,00"),
    (1_000_000, 0, "1\u00a0000\u00a0000"), (None, 0, "bez dat"), (math.nan, 1, "bez dat"), (math.inf, 0, "bez dat"),
    ("abc", 0, "bez dat"), (np.int64(7), 0, "7"),
])
def test_format_number_is_czech(value, decimals, expected):
    assert vocabulary.format_number(value, decimals) == expected


@pytest.mark.parametrize("value, fmt, expected", [
    (0.1234, "0.0%", "12,3\u00a0%"), (2.5, "+#,##0.00;-#,##0.00;0.00", "+2,50"),
    (-2.5, "+#,##0.00;-#,##0.00;0.00", "\u22122,50"), (0.0, "+#,##0.00;-#,##0.00;0.00", "0,00"),
    (12345.678, "#,##0.0", "12\u00a0345,7"), (True, None, "ano"), (False, "#,##0", "ne"), (math.nan, "0.0", "–"),
    (math.inf, "#,##0.00", "∞"), ("Zlín", "#,##0", "Zlín"),
])
def test_format_value_follows_the_excel_format(value, fmt, expected):
    assert vocabulary.format_value(value, fmt).replace(" %", "\u00a0%") == expected


def test_number_formats_and_labels_of_generated_columns():
    assert vocabulary.number_format("share_residential_beds") == "0.0%"  # shares are 0–1, shown as %
    assert vocabulary.number_format("per_1000_residential_beds_vs_kraj") == "+#,##0.00;-#,##0.00;0.00"
    assert vocabulary.column_label("per_1000_field_clients", "65+") == "Kapacita – terénní, klienti na 1 000 obyv. 65+"
    assert vocabulary.column_label("rank_mean_distance_km").startswith("Pořadí")
    assert vocabulary.column_label("pop_total") == "Obyvatelé celkem"
    assert vocabulary.target_phrase("80+") == "obyvatel 80+"


def test_planning_tables_in_czech_with_shares_as_percent():
    import pandas as pd

    table = pd.DataFrame({"project_id": ["p1"], "share": [0.7999997], "share_splneno": [0.5],
                          "EU [podíl]": [0.25], "amount_czk": [10.004]})
    czech = vocabulary.to_czech_planning(table)
    assert list(czech.columns) == ["ID projektu", "Podíl [%]", "Podíl opatření: splněno [%]", "EU – podíl [%]",
                                   "Částka [Kč]"]
    assert czech.iloc[0].tolist() == ["p1", 80.0, 50.0, 25.0, 10.0]
