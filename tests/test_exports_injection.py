"""Formula injection: every cell of every export is inert whatever separator a spreadsheet uses.

A spreadsheet opening a CSV file may split it on ``,``, ``;``, tab or ``|`` (its list separator
setting), respecting quotes or not. Each test writes hostile text — study labels as a user might
upload them, joined into ``;``-lists as the pooled-results export does — and checks every piece
of every such split, and every cell of the XLSX workbook.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

import tkidata
from report.tables import FORMULA_TRIGGERS, SEPARATORS, csv_bytes, mark_what_if, xlsx_bytes
from report.view_tables import pooled_results_table
from tkidata.store import user_studies as us

PAYLOADS = ("=cmd|'/C calc'!A0", "@SUM(A1:A9)", "+1+1", "-2+3", '=HYPERLINK("http://x")')
SPLITS = (",", ";", "\t", "|")
FORMULA_STARTS = tuple(t for t in FORMULA_TRIGGERS if t.strip())
"""``= + - @``: what a piece begins with to be a formula once blanks are trimmed."""
NUMBER = re.compile(r"[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?")


def live_pieces(text: str, sep: str) -> list[str]:
    """Pieces of ``text`` split on ``sep`` and line breaks that a spreadsheet would evaluate."""
    pieces = re.split(f"[{re.escape(sep)}\r\n]", text)
    live = []
    for piece in pieces:
        cell = piece.strip(" \t")
        if len(cell) >= 2 and cell[0] == cell[-1] == '"':  # a quoted field: its content
            cell = cell[1:-1].replace('""', '"').strip(" \t")
        if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell):
            live.append(cell)
    return live


def hostile_table() -> pd.DataFrame:
    lists = [";".join(["chi2018", p]) for p in PAYLOADS]
    return pd.DataFrame(
        {
            "Study": [*PAYLOADS],
            "Studies": lists,
            "Mixed": [f"a,{p}" if i % 2 else f"b|{p}" for i, p in enumerate(PAYLOADS)],
            "Tabbed": [f"x\t{p}" for p in PAYLOADS],
            "Estimate": [-0.5, 0.1, -2.0, 3.0, 0.0],
        }
    )


@pytest.mark.parametrize("sep", SPLITS)
def test_no_piece_of_the_csv_is_live_when_split_naively(sep: str) -> None:
    text = csv_bytes(mark_what_if(hostile_table(), PAYLOADS)).decode("utf-8-sig")
    assert live_pieces(text, sep) == []


@pytest.mark.parametrize("sep", SPLITS)
def test_no_cell_of_the_csv_is_live_when_read_with_quotes(sep: str) -> None:
    text = csv_bytes(hostile_table()).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
        for cell in row:
            assert live_pieces(cell, sep) == [], cell


def test_negative_numbers_stay_numbers() -> None:
    back = pd.read_csv(io.BytesIO(csv_bytes(hostile_table())), encoding="utf-8-sig")
    assert back["Estimate"].tolist() == [-0.5, 0.1, -2.0, 3.0, 0.0]


@pytest.mark.parametrize("sep", SEPARATORS)
def test_no_xlsx_cell_is_a_formula_or_splits_into_one(sep: str) -> None:
    data = xlsx_bytes({"Pooled": hostile_table()}, notes=[f"note{sep}{PAYLOADS[0]}"])
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert live_pieces(cell.value, sep) == [], cell.value


def test_the_pooled_results_export_of_hostile_user_studies_is_inert() -> None:
    ev = tkidata.load()
    header = "study_label,drug,histology,line,design,n,responders,disease_control"
    rows = "\n".join(
        f'"{p.replace(chr(34), chr(34) * 2)}",anlotinib,lms,second,single_arm,40,12,30'
        for p in PAYLOADS
    )
    parsed = us.read_upload(f"{header}\n{rows}\n".encode(), "mine.csv", ev.vocab)
    assert len(parsed.studies) == len(PAYLOADS)
    f, m = tkidata.Filters(), tkidata.Method.preset("reference")
    compare = tkidata.compare(us.with_user_studies(ev, parsed.studies), f, m)
    table = mark_what_if(pooled_results_table(compare), PAYLOADS)
    text = csv_bytes(table).decode("utf-8-sig")
    assert "chi2018" in text.lower() or "Chi" in text
    for sep in SPLITS:
        assert live_pieces(text, sep) == [], sep
    book = load_workbook(io.BytesIO(xlsx_bytes(table)))
    cells = [c for row in book["Table"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    for sep in SPLITS:
        assert [
            c.value for c in cells if isinstance(c.value, str) and live_pieces(c.value, sep)
        ] == []


@given(
    st.lists(st.text(alphabet=st.sampled_from("=+-@;,|\t\r\n ab1.'\""), max_size=12), max_size=6)
)
def test_any_text_is_exported_inert(texts: list[str]) -> None:
    text = csv_bytes(pd.DataFrame({"x": texts or [""]})).decode("utf-8-sig")
    for sep in SPLITS:
        assert live_pieces(text, sep) == []
