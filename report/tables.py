"""Table bytes: CSV (UTF-8, formula-neutralised) and Excel workbooks.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (also a tab or carriage
return) as a formula, which a crafted study label could abuse (CSV/formula injection). A
spreadsheet may also split a cell on any separator it is set to use (``,`` ``;`` tab ``|``), so a
``;``-joined study list ``chi2018;=cmd|'/C calc'!A0`` opened by a spreadsheet that splits on
``;`` would start a formula in its second piece. Every text cell is therefore written so that
neither the cell nor any piece of it after a separator begins a formula: a single quote goes in
front (``chi2018;'=cmd|'/C calc'!A0``), so the spreadsheet shows it as text. Numbers are never
touched (a negative number stays a number).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

#: first characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: characters a spreadsheet may split a cell on (its field separator, or a line break).
SEPARATORS = (",", ";", "\t", "|", "\r", "\n")
_PIECE_FORMULA = re.compile(r"([,;\t|\r\n] *\"*)([=+\-@])")
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: widest Excel column, in characters, before text wraps.
MAX_COLUMN_CHARS = 60


def neutralise(value: Any) -> Any:
    """Return a text value that cannot run as a spreadsheet formula; other values unchanged.

    Neither the text nor any piece of it after a separator (:data:`SEPARATORS`) may begin a
    formula, whatever separator the spreadsheet splits on.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("chi2018;@SUM(A1)")
    "chi2018;'@SUM(A1)"
    >>> neutralise(-0.5)
    -0.5
    """
    if not isinstance(value, str):
        return value
    text = _PIECE_FORMULA.sub(r"\1'\2", value)
    if text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return text


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` with every text cell (and column name) neutralised."""
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


WHAT_IF_COLUMN = "What-if"


def mark_what_if(df: pd.DataFrame, user_ids: Sequence[str]) -> pd.DataFrame:
    """Say on every row of an exported table that user-supplied studies are in the view.

    Parameters
    ----------
    df
        The table to export.
    user_ids
        Ids of the user-supplied (what-if) studies in the view; none leaves ``df`` unchanged.

    Returns
    -------
    pandas.DataFrame
        ``df`` with a first column ``What-if`` naming the user-supplied studies.
    """
    if not user_ids:
        return df
    text = "includes user-supplied studies (not curated): " + ", ".join(user_ids)
    marked = df.assign(**{WHAT_IF_COLUMN: text})
    return marked[[WHAT_IF_COLUMN, *df.columns]]


def csv_bytes(df: pd.DataFrame, *, bom: bool = True) -> bytes:
    """Write a table as formula-neutralised CSV.

    Parameters
    ----------
    df
        The table; its index is not written.
    bom
        Start with a UTF-8 byte-order mark, so Excel opens the file as UTF-8 (``≥``, ``τ²``).

    Returns
    -------
    bytes
        UTF-8 CSV (RFC 4180 CRLF rows) with a header row; missing values are empty cells.
    """
    text = neutralise_frame(df).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig" if bom else "utf-8")


def _sheet_name(name: str, taken: set[str]) -> str:
    """An Excel-legal, unique sheet name (at most 31 characters, no ``[]:*?/\\``)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
    clean = clean[:31]
    candidate, i = clean, 2
    while candidate.lower() in taken:
        suffix = f" ({i})"
        candidate = clean[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(candidate.lower())
    return candidate


def _width(series: pd.Series, header: str) -> int:
    lengths = [len(header)] + [len(str(v)) for v in series.dropna().head(500)]
    return min(max(lengths) + 2, MAX_COLUMN_CHARS)


def xlsx_bytes(
    tables: pd.DataFrame | Mapping[str, pd.DataFrame], *, notes: Sequence[str] = ()
) -> bytes:
    """Write one or several tables to an Excel workbook, formula-neutralised.

    Parameters
    ----------
    tables
        One table, or sheet name → table (one sheet each, in order).
    notes
        Lines for a first sheet "About" (filters, method, data version, what-if flag); no sheet
        when empty.

    Returns
    -------
    bytes
        An ``.xlsx`` workbook (openpyxl): bold frozen header row, columns sized to their text.
    """
    sheets = {"Table": tables} if isinstance(tables, pd.DataFrame) else dict(tables)
    buf = io.BytesIO()
    taken: set[str] = set()
    # openpyxl loads only when a workbook is built: it stays off the app's start-up path
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        if notes:
            about = pd.DataFrame({"About this export": list(notes)})
            neutralise_frame(about).to_excel(
                writer, sheet_name=_sheet_name("About", taken), index=False
            )
            ws = writer.sheets["About"]
            ws.column_dimensions["A"].width = 120
            ws["A1"].font = Font(bold=True)
        for name, df in sheets.items():
            sheet = _sheet_name(name, taken)
            safe = neutralise_frame(df)
            safe.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            for i, col in enumerate(safe.columns, start=1):
                ws.column_dimensions[get_column_letter(i)].width = _width(safe[col], str(col))
                ws.cell(row=1, column=i).font = Font(bold=True)
                ws.cell(row=1, column=i).alignment = Alignment(wrap_text=True)
    return buf.getvalue()
