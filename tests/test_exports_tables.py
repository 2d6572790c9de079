"""Table exports: CSV parsed back equal, formula cells neutralised in CSV and XLSX."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from report.tables import (
    FORMULA_TRIGGERS,
    WHAT_IF_COLUMN,
    csv_bytes,
    mark_what_if,
    neutralise,
    xlsx_bytes,
)

CRAFTED = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
]


@pytest.fixture()
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Study": ["Chi 2018", "Li 2024 – ≥3 τ²", "Mir 2016 (REGOSARC)"],
            "Estimate": [0.125, -0.5, np.nan],
            "k": [6, 1, 0],
            "Derived": [False, True, False],
        }
    )


def test_csv_round_trip_equals_table(table: pd.DataFrame) -> None:
    data = csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


def test_csv_without_bom(table: pd.DataFrame) -> None:
    assert csv_bytes(table, bom=False).startswith(b"Study,")


def test_crafted_labels_are_neutralised_in_csv() -> None:
    df = pd.DataFrame({"Study": CRAFTED, "Estimate": [-1.5] * len(CRAFTED)})
    back = pd.read_csv(io.BytesIO(csv_bytes(df)), encoding="utf-8-sig", keep_default_na=False)
    assert list(back["Study"]) == [neutralise(s) for s in CRAFTED]
    assert neutralise("\t=1") == "'\t'=1"  # the piece after the tab is neutralised too
    assert back["Estimate"].tolist() == [-1.5] * len(CRAFTED)  # numbers untouched


def test_crafted_labels_are_neutralised_in_xlsx(table: pd.DataFrame) -> None:
    crafted = pd.DataFrame({"Study": CRAFTED, "n": list(range(-3, 3))})
    data = xlsx_bytes({"Evidence": crafted, "Pooled": table}, notes=["=cmd|' /C calc'!A0"])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["About", "Evidence", "Pooled"]
    assert wb["About"]["A2"].value == "'=cmd|' /C calc'!A0"
    ws = wb["Evidence"]
    cells = [ws.cell(row=r, column=1) for r in range(2, 2 + len(CRAFTED))]
    assert [c.value for c in cells] == [neutralise(s) for s in CRAFTED]
    assert all(str(c.value).startswith("'") for c in cells)
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    assert [ws.cell(row=r, column=2).value for r in range(2, 8)] == list(range(-3, 3))
    back = pd.read_excel(io.BytesIO(data), sheet_name="Pooled")
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


def test_xlsx_single_table_and_long_sheet_names(table: pd.DataFrame) -> None:
    wb = load_workbook(io.BytesIO(xlsx_bytes(table)))
    assert wb.sheetnames == ["Table"]
    wb = load_workbook(io.BytesIO(xlsx_bytes({"x" * 40: table, "x" * 35: table})))
    assert [len(n) <= 31 for n in wb.sheetnames] == [True, True]
    assert len(set(wb.sheetnames)) == 2


def test_column_names_are_neutralised() -> None:
    data = csv_bytes(pd.DataFrame({"=x": [1]}))
    assert data.decode("utf-8-sig").splitlines()[0] == "'=x"


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(FORMULA_TRIGGERS)
    assert out.replace("'", "") == text.replace("'", "")  # only quotes are added


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()))
def test_non_text_values_are_untouched(value: object) -> None:
    assert neutralise(value) is value


def test_what_if_marks_every_row_of_an_exported_table(table: pd.DataFrame) -> None:
    assert mark_what_if(table, []) is table
    marked = mark_what_if(table, ["user1", "=evil"])
    assert list(marked.columns) == [WHAT_IF_COLUMN, *table.columns]
    back = pd.read_csv(io.BytesIO(csv_bytes(marked)), encoding="utf-8-sig")
    assert back[WHAT_IF_COLUMN].str.startswith("includes user-supplied studies").all()
    assert back[WHAT_IF_COLUMN].str.contains("user1, '=evil").all()
