"""User-supplied studies ("what if"): the upload format, row-by-row validation, the batch.

A clinician adds studies of their own, one study arm per row, as a CSV file or typed into a table.
Every row is checked on its own: valid rows are kept, each rejected row is reported with its row
number and the reason. The valid rows become a batch of the evidence a session sees
(:func:`with_user_studies`): study arms with their outcome and adverse-event rows, selected,
tiered and pooled by the same rules as the curated ones.
Nothing here reads or writes files or keeps state: the caller holds the rows (in the app, only in
the user's session). The format is documented in ``tkidata/README.md`` ("User-supplied studies").

Format (header row, one study arm per row; an Excel workbook ``.xlsx`` (its first sheet) or a
CSV file, ``,`` ``;`` or tab separated, UTF-8 with or without a byte-order mark; a ``;``-separated
file may write decimals with a comma, as a European spreadsheet does):

- required: ``study_label``, ``drug``, ``histology`` (``sts``, ``bone`` or a subtype code),
  ``line`` (``first``, ``second``, ``later``, ``first_second``, ``second_later``, ``any``;
  empty = not reported), ``design``
  (``rct_arm``, ``single_arm``, ``retrospective``), ``n`` (patients);
- any of: ``responders``, ``disease_control`` (patients, out of ``n``), ``pfs_median`` with
  ``pfs_ci_low`` and ``pfs_ci_high`` (months; ``NR`` = upper limit not reached), and one
  ``ae3_<term>`` column per adverse event (patients with a grade ≥3 event; CTCAE term or a
  synonym, e.g. ``ae3_Hypertension``, ``ae3_hand-foot skin reaction``);
- optional: ``regimen`` (default ``monotherapy``), ``age_group`` (default ``adult``).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from tkidata.store.errors import shown_value
from tkidata.store.loader import Evidence
from tkidata.store.validate import BOUNDS, ESTIMATE_BOUNDS
from tkidata.store.vocab import Vocab

MAX_BYTES = 1024 * 1024
"""Largest accepted upload (1 MB)."""
MAX_ROWS = 500
"""Most data rows accepted in one upload or table."""
MAX_COLUMNS = 200
"""Most columns accepted in one upload."""
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
"""Largest total size of the parts of an ``.xlsx`` workbook once unpacked (a zip bomb guard)."""
MAX_LABEL_CHARS = 120
"""Longest study label."""
MAX_REASONS = 6
"""Reasons listed for one rejected row before the rest are counted."""
BINARY_NULS = 8
"""More NUL bytes than this (and over 1% of the file) mark a binary file; fewer are the problem
of the rows that hold them (each named with its spreadsheet row)."""
MAX_PATIENTS = int(BOUNDS[("outcomes", "n")].high)
"""Largest plausible ``n`` (the curated data's bound)."""
MAX_MONTHS = ESTIMATE_BOUNDS["median"].high
"""Largest plausible median PFS or CI limit, in months (the curated data's bound)."""
TEMPLATE_LABEL = "Example trial (delete me)"
"""Label of the template's fictitious example row (rejected if uploaded unchanged)."""

REQUIRED_COLUMNS = ("study_label", "drug", "histology", "line", "design", "n")
OUTCOME_COLUMNS = ("responders", "disease_control", "pfs_median", "pfs_ci_low", "pfs_ci_high")
OPTIONAL_COLUMNS = (*OUTCOME_COLUMNS, "regimen", "age_group")
AE_PREFIX = "ae3_"
"""Prefix of the grade ≥3 adverse-event count columns (``ae3_<CTCAE term or synonym>``)."""
TEMPLATE_AE_TERMS = ("Hypertension", "Palmar-plantar erythrodysesthesia syndrome", "Proteinuria")
"""AE columns the template and the entry table start with (any other term can be added)."""

FORMAT = (
    ("study_label", "yes", "your name for the study; unique; shown as plain text"),
    ("drug", "yes", "anlotinib, apatinib, regorafenib or pazopanib"),
    ("histology", "yes", "sts, bone or a subtype code (lms, osteosarcoma, …) or its name"),
    (
        "line",
        "yes (may be empty)",
        "first, second, later (third or beyond), first_second, second_later (after >=1 prior "
        "line), any; empty = not reported",
    ),
    ("design", "yes", "rct_arm, single_arm (prospective, non-randomised) or retrospective"),
    ("n", "yes", "patients in the arm: the denominator of every count"),
    ("responders", "any of these", "patients with a complete or partial response"),
    ("disease_control", "any of these", "patients with a response or stable disease"),
    ("pfs_median", "any of these", "median PFS in months"),
    (
        "pfs_ci_low, pfs_ci_high",
        "with pfs_median",
        "its CI in months; NR = upper limit not "
        "reached (without a CI the median is listed but not pooled)",
    ),
    (
        f"{AE_PREFIX}<term>",
        "any of these",
        "patients with a grade ≥3 event, one column per CTCAE "
        "term or synonym (ae3_Hypertension, ae3_hand-foot skin reaction); empty = not reported, "
        "never 0",
    ),
    ("regimen", "no", "monotherapy (default), maintenance or combination"),
    ("age_group", "no", "adult (default), paediatric or mixed"),
)
"""The upload format, column by column: (column, required, values), as shown on the page."""

LINES = ("first", "second", "later", "first_second", "second_later", "any")
DESIGNS = ("rct_arm", "single_arm", "retrospective")
REGIMENS = ("monotherapy", "maintenance", "combination")
AGE_GROUPS = ("adult", "paediatric", "mixed")
DEFAULTS = {"regimen": "monotherapy", "age_group": "adult"}
NOT_REACHED = ("nr", "not reached", "ne", "not estimable")

STUDY_COLUMNS = (
    "study_label",
    "drug",
    "histology",
    "histology_group",
    "line",
    "design",
    "regimen",
    "age_group",
    "n",
    "responders",
    "disease_control",
    "pfs_median",
    "pfs_ci_low",
    "pfs_ci_high",
    "pfs_upper_not_reached",
)
"""Columns of a validated studies table; ``ae3_<CTCAE term>`` columns follow."""

_LINE_ALIASES = {
    "1": "first",
    "1st": "first",
    "2": "second",
    "2nd": "second",
    "3": "later",
    "3rd": "later",
    "3+": "later",
    "third": "later",
    "third or later": "later",
    "mixed": "any",
    "first or second": "first_second",
    "1-2": "first_second",
    "second or later": "second_later",
    "2+": "second_later",
    "previously treated": "second_later",
    "pretreated": "second_later",
}
_DESIGN_ALIASES = {"rct": "rct_arm", "randomised": "rct_arm", "randomized": "rct_arm"}
_GROUP_WORDS = {
    "sts": "sts",
    "soft tissue": "sts",
    "soft tissue sarcoma": "sts",
    "bone": "bone",
    "bone sarcoma": "bone",
}


@dataclass(frozen=True)
class RowProblem:
    """Why one row (or the whole file) was rejected.

    Attributes
    ----------
    row : int
        Row number as the user sees it: the spreadsheet row for uploads (header = row 1), the
        table row (first = 1) for typed rows; 0 for the whole file.
    label : str
        The row's study label as written (empty for the whole file).
    reason : str
        What is wrong, and how to fix it where a fix can be suggested.
    """

    row: int
    label: str
    reason: str

    @property
    def where(self) -> str:
        """``"file"`` or ``"row N"``."""
        return "file" if self.row == 0 else f"row {self.row}"


@dataclass(frozen=True)
class ParsedStudies:
    """The outcome of reading user rows.

    Attributes
    ----------
    studies : pandas.DataFrame
        The valid rows (:data:`STUDY_COLUMNS` then ``ae3_<CTCAE term>`` columns), in input order.
    problems : tuple of RowProblem
        Every rejected row (or file-level problem), in row order.
    rows_read : int
        Non-empty data rows read.
    """

    studies: pd.DataFrame
    problems: tuple[RowProblem, ...]
    rows_read: int


def empty_studies() -> pd.DataFrame:
    """A studies table with no rows (the :data:`STUDY_COLUMNS`, typed)."""
    return _typed(pd.DataFrame(columns=list(STUDY_COLUMNS)))


def ae_column(term: str) -> str:
    """The studies-table column holding grade ≥3 counts of a CTCAE term."""
    return AE_PREFIX + term


def ae_terms_of(studies: pd.DataFrame) -> tuple[str, ...]:
    """CTCAE terms with a count column in a studies table."""
    return tuple(c[len(AE_PREFIX) :] for c in studies.columns if c.startswith(AE_PREFIX))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    text = ["study_label", "drug", "histology", "histology_group", "line", "design", "regimen"]
    for col in [*text, "age_group"]:
        out[col] = out[col].astype(object)
    counts = ["n", "responders", "disease_control", *[c for c in out if c.startswith(AE_PREFIX)]]
    for col in counts:
        out[col] = out[col].astype("Int64")
    for col in ("pfs_median", "pfs_ci_low", "pfs_ci_high"):
        out[col] = out[col].astype(float)
    out["pfs_upper_not_reached"] = out["pfs_upper_not_reached"].astype(bool)
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Template
# ---------------------------------------------------------------------------------------------


def template_columns() -> list[str]:
    """Columns of the template and of the entry table, in order."""
    return [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *(ae_column(t) for t in TEMPLATE_AE_TERMS)]


def template_csv() -> bytes:
    """The downloadable template: header and one clearly fictitious example row (UTF-8, BOM).

    The byte-order mark makes spreadsheet programs open the file as UTF-8.
    """
    example = {
        "study_label": TEMPLATE_LABEL,
        "drug": "anlotinib",
        "histology": "lms",
        "line": "second",
        "design": "single_arm",
        "n": "40",
        "responders": "6",
        "disease_control": "28",
        "pfs_median": "5.6",
        "pfs_ci_low": "4.1",
        "pfs_ci_high": "7.2",
        "regimen": "monotherapy",
        "age_group": "adult",
        ae_column("Hypertension"): "5",
        ae_column("Palmar-plantar erythrodysesthesia syndrome"): "3",
        ae_column("Proteinuria"): "",
    }
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=template_columns(), lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(example)
    return buf.getvalue().encode("utf-8-sig")


def entry_frame() -> pd.DataFrame:
    """An empty table with the template's columns, all text, for typing rows in."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in template_columns()})


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _suggest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    hits = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], 1, cutoff)
    if not hits:
        return None
    return next(c for c in choices if c.lower() == hits[0])


def _file_problem(reason: str) -> ParsedStudies:
    return ParsedStudies(empty_studies(), (RowProblem(0, "", reason),), 0)


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_records(data: bytes) -> tuple[list[list[str]], int] | str:
    """The first sheet's rows as text cells, and the first row's number (or why it cannot be read).

    Only cached values are read (a formula's last result, never the formula); at most
    :data:`MAX_COLUMNS` + 1 columns and :data:`MAX_ROWS` + 1 non-empty data rows are read.
    """
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "not a readable .xlsx workbook (damaged, or another format renamed .xlsx)"
    if unpacked > MAX_UNPACKED_BYTES:
        limit = MAX_UNPACKED_BYTES // 2**20
        return f"the workbook unpacks to {unpacked / 2**20:.0f} MB (limit {limit} MB)"
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, ...)
        return "not a readable .xlsx workbook (damaged, encrypted, or not an Excel workbook)"
    try:
        if not book.worksheets:
            return "the workbook has no sheet"
        rows: list[list[str]] = []
        filled = 0
        for values in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            rows.append(cells)
            filled += bool(cells)
            if filled > MAX_ROWS + 1:
                break
    except Exception:  # a damaged sheet part
        return "not a readable .xlsx workbook (a sheet is damaged)"
    finally:
        book.close()
    return rows, 1


def _quote_open(text: str) -> bool:
    """Whether a chunk of CSV text ends inside a quoted cell (quotes are counted)."""
    return text.count('"') % 2 == 1


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""One line of CSV text: only CR, LF and CRLF end a line, as in a spreadsheet's CSV (str.splitlines
would also break at form feeds, record separators and other control characters)."""


def _csv_records(
    text: str, delimiter: str
) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """Records with their spreadsheet row (header = row 1), and the rows whose quote never closes
    (with the row's first cell, for the label column).

    A quoted cell may span lines; the record is still one spreadsheet row, so the rows after it
    keep the numbers a spreadsheet shows. A quote that is still open when a record would have to
    run past its expected width (or past the end) is unterminated: that line is reported as its
    own row and reading goes on with the next line, so the rows around it are kept.
    """
    lines = _LINE.findall(text)
    width = len(next(csv.reader([lines[0]], delimiter=delimiter))) if lines else 0
    records: list[tuple[int, list[str]]] = []
    unterminated: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        row = len(records) + len(unterminated) + 1
        j, chunk = i, lines[i]
        while _quote_open(chunk) and j + 1 < len(lines):
            j += 1
            chunk += lines[j]
        cells = next(csv.reader(io.StringIO(chunk, newline=""), delimiter=delimiter), [])
        if _quote_open(chunk) or (j > i and len(cells) != width):
            first = lines[i].split(delimiter, 1)[0].strip().strip('"')
            unterminated.append((row, shown_value(first)))
            i += 1
            continue
        records.append((row, cells))
        i = j + 1
    return records, unterminated


def read_upload(
    data: bytes, filename: str, vocab: Vocab, taken: Collection[str] = ()
) -> ParsedStudies:
    """Read and validate an uploaded CSV file or Excel workbook, row by row.

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        The file's name (``.csv``, ``.txt`` or ``.xlsx``).
    vocab : Vocab
        Drugs, histology codes and AE terms the rows are checked against.
    taken : collection of str
        Labels already in use (earlier user studies): a row reusing one is rejected.

    Returns
    -------
    ParsedStudies
        Valid rows and every problem, numbered as the spreadsheet numbers its rows (header =
        row 1). A file that is too large, of another kind, not UTF-8, without a data row or with
        too many rows or columns gives one problem for the whole file (row 0) and no rows.
    """
    if len(data) > MAX_BYTES:
        return _file_problem(
            f"file too large: {len(data) / 2**20:.1f} MB (limit {MAX_BYTES // 2**20} MB, "
            f"{MAX_ROWS} rows)"
        )
    name = filename.lower()
    if name.endswith((".xls", ".ods", ".numbers")):
        return _file_problem(
            f"not a CSV or .xlsx file ('{shown_value(filename)}'): save it as Excel workbook "
            "(.xlsx) or CSV UTF-8"
        )
    if data.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        if not name.endswith(".xlsx"):
            return _file_problem(
                "this looks like a spreadsheet workbook: upload it as .xlsx, or save it as "
                "CSV UTF-8"
            )
        read = _xlsx_records(data)
        if isinstance(read, str):
            return _file_problem(read)
        rows, _ = read
        if not rows or not rows[0]:
            return _file_problem("the first sheet's first row must be the header row")
        return _records_to_studies(rows[0], list(enumerate(rows[1:], start=2)), [], vocab, taken)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _file_problem(
            "the file is saved as UTF-16 (Unicode text): in your spreadsheet use Save as → "
            "CSV UTF-8"
        )
    nuls = data.count(b"\x00")
    binary = nuls > BINARY_NULS and nuls > len(data) // 100
    if binary or not name.endswith((".csv", ".txt")):
        where = ""
        if binary:
            where = f" (binary data: NUL bytes from line {data[: data.index(0)].count(10) + 1})"
        return _file_problem(
            f"not a CSV file ('{shown_value(filename)}'){where}: upload a .csv file saved as CSV "
            "UTF-8, or an Excel workbook (.xlsx)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return _file_problem(
            f"wrong encoding: the file is not UTF-8 (byte {err.start + 1}, row {line}); in your "
            "spreadsheet use Save as → CSV UTF-8"
        )
    lines = _LINE.findall(text)
    if not lines or not lines[0].strip():
        return _file_problem("not a CSV file: the first line must be the header row")
    delimiter = max((",", ";", "\t"), key=lines[0].count)
    records, unterminated = _csv_records(text, delimiter)
    if not records:
        return _file_problem("not a CSV file: the header row has an unterminated quote")
    (_, header), rows = records[0], records[1:]
    decimal_comma = delimiter != ","
    return _records_to_studies(header, rows, unterminated, vocab, taken, decimal_comma)


def _records_to_studies(
    header: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    unterminated: Sequence[tuple[int, str]],
    vocab: Vocab,
    taken: Collection[str],
    decimal_comma: bool = False,
) -> ParsedStudies:
    if len(header) > MAX_COLUMNS:
        return _file_problem(
            f"too many columns: more than {MAX_COLUMNS} (this format has at most a few dozen)"
        )
    numbered = [(i, list(r)) for i, r in rows if any(c.strip() for c in r)]
    if len(numbered) > MAX_ROWS:
        return _file_problem(f"too many rows: {len(numbered)} (limit {MAX_ROWS} rows, 1 MB)")
    if not numbered and not unterminated:
        return _file_problem("no rows: the file has a header row but no study rows under it")
    parsed = validate_records(header, numbered, vocab, taken, decimal_comma=decimal_comma)
    if not unterminated:
        return parsed
    broken = [
        RowProblem(
            line,
            label,
            'unterminated quote: a " opens a cell that never closes; close it or remove it '
            "(the other rows were read)",
        )
        for line, label in unterminated
    ]
    problems = tuple(sorted((*parsed.problems, *broken), key=lambda p: p.row))
    return ParsedStudies(parsed.studies, problems, parsed.rows_read + len(broken))


def validate_table(table: pd.DataFrame, vocab: Vocab, taken: Collection[str] = ()) -> ParsedStudies:
    """Validate rows typed into a table (the entry table's columns), row by row.

    Parameters
    ----------
    table : pandas.DataFrame
        Cells of any type; empty cells are None, NaN or blank text. Rows are numbered from 1.
    vocab : Vocab
    taken : collection of str
        Labels already in use.

    Returns
    -------
    ParsedStudies
    """

    def cell(v: object) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    header = [str(c) for c in table.columns]
    numbered = [
        (i + 1, [cell(v) for v in row])
        for i, row in enumerate(table.itertuples(index=False, name=None))
    ]
    numbered = [(i, r) for i, r in numbered if any(c.strip() for c in r)]
    if len(numbered) > MAX_ROWS:
        return _file_problem(f"too many rows: {len(numbered)} (limit {MAX_ROWS})")
    return validate_records(header, numbered, vocab, taken)


def _norm_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass(frozen=True)
class _Header:
    columns: dict[int, str]  # cell index -> standard column or ae3_<term>
    bad: dict[int, str]  # cell index -> reason a value in that column is rejected
    problems: tuple[str, ...]  # problems that reject every row


def _term_for(raw: str, vocab: Vocab) -> str | None:
    terms = {t.lower(): t for t in vocab.ae_terms["term"]}
    synonyms = dict(zip(vocab.ae_synonyms["reported"], vocab.ae_synonyms["term"], strict=True))
    for candidate in (raw, raw.replace("_", " ")):
        key = " ".join(candidate.strip().lower().split())
        if key in terms:
            return terms[key]
        if key in synonyms:
            return str(synonyms[key])
    return None


def _read_header(header: Sequence[str], vocab: Vocab) -> _Header:
    columns: dict[int, str] = {}
    bad: dict[int, str] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    vocab_words = [*vocab.ae_terms["term"], *vocab.ae_synonyms["reported"]]
    for i, raw in enumerate(header):
        name = raw.strip()
        norm = _norm_column(name)
        if norm.startswith(AE_PREFIX):
            wording = name.strip()[len(AE_PREFIX) :]
            term = _term_for(wording, vocab)
            if term is None:
                hint = _suggest(wording.replace("_", " "), vocab_words, cutoff=0.5)
                fix = f"; did you mean '{_term_for(hint, vocab)}'?" if hint else ""
                bad[i] = (
                    f"column '{shown_value(name)}': unknown AE term '{shown_value(wording)}'{fix}"
                )
                continue
            col = ae_column(term)
        elif norm in known:
            col = norm
        elif not name:
            bad[i] = f"column {i + 1} has no header"
            continue
        else:
            hint = _suggest(norm, known)
            fix = f"; did you mean '{hint}'?" if hint else f" (expected {', '.join(known)}"
            fix += "" if hint else f" or {AE_PREFIX}<AE term>)"
            bad[i] = f"unknown column '{shown_value(name)}'{fix}"
            continue
        if col in seen:
            problems.append(
                f"columns '{shown_value(seen[col])}' and '{shown_value(name)}' both give {col}"
            )
            continue
        seen[col] = name
        columns[i] = col
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        problems.append(
            "missing column" + ("s" if len(missing) > 1 else "") + ": " + ", ".join(missing)
        )
    return _Header(columns, bad, tuple(problems))


_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")


def _number(
    text: str, name: str, *, whole: bool, decimal_comma: bool = False
) -> tuple[float | None, str | None]:
    """Parse one numeric cell: (value or None when empty, problem or None).

    With ``decimal_comma`` (a ``;``-separated file from a European spreadsheet) ``5,6`` is 5.6.
    Counts are at most :data:`MAX_PATIENTS`; months at most :data:`MAX_MONTHS`.
    """
    t = text.strip()
    if not t:
        return None, None
    if decimal_comma and _DECIMAL_COMMA.fullmatch(t):
        t = t.replace(",", ".")
    shown = shown_value(t)
    try:
        value = float(t)
    except ValueError:
        hint = " (give the number of patients, not a percentage)" if t.endswith("%") else ""
        if not decimal_comma and _DECIMAL_COMMA.fullmatch(t):
            hint = " (write decimals with a point, 5.6)"
        return None, f"{name}: '{shown}' is not a number{hint}"
    if not math.isfinite(value):
        return None, f"{name}: '{shown}' is not a number"
    if value < 0:
        return None, f"{name}: {shown} is negative"
    if whole and value > MAX_PATIENTS:
        return None, f"{name}: {shown} is more than {MAX_PATIENTS:,} patients (not plausible)"
    if not whole and value > MAX_MONTHS:
        return None, f"{name}: {shown} months is more than {MAX_MONTHS:g} months (not plausible)"
    if whole and not value.is_integer():
        return None, f"{name}: {shown} is not a whole number of patients"
    return value, None


def _choice(
    text: str, name: str, choices: Sequence[str], aliases: dict[str, str] | None = None
) -> tuple[str | None, str | None]:
    key = " ".join(text.strip().lower().split())
    if key in choices:
        return key, None
    alias = (aliases or {}).get(key) or (aliases or {}).get(key.replace(" ", "_"))
    if alias:
        return alias, None
    if key.replace(" ", "_").replace("-", "_") in choices:
        return key.replace(" ", "_").replace("-", "_"), None
    hint = _suggest(key, choices)
    fix = f"did you mean '{hint}'?" if hint else f"expected one of {', '.join(choices)}"
    return None, f"unknown {name} '{text.strip()}'; {fix}"


def _drug(text: str, vocab: Vocab) -> tuple[str | None, str | None]:
    key = text.strip().lower()
    labels = {str(v).lower(): k for k, v in vocab.drug_labels.items()}
    drug = key if key in vocab.drug_labels else labels.get(key)
    if drug in vocab.tki_drugs:
        return drug, None
    if drug is not None:
        return None, f"drug '{text.strip()}': comparator arms are not pooled"
    hint = _suggest(key, vocab.tki_drugs)
    fix = f"did you mean '{hint}'?" if hint else f"expected one of {', '.join(vocab.tki_drugs)}"
    return None, f"unknown drug '{text.strip()}'; {fix}"


def _histology(text: str, vocab: Vocab) -> tuple[tuple[str, str] | None, str | None]:
    key = " ".join(text.strip().lower().split())
    if key in _GROUP_WORDS:
        group = _GROUP_WORDS[key]
        return (group, group), None
    if key == "mixed":
        return None, "histology 'mixed': give soft tissue (sts) and bone results as separate rows"
    codes = dict(zip(vocab.histology["code"], vocab.histology["group"], strict=True))
    labels = {
        str(lab).lower(): c
        for c, lab in zip(vocab.histology["code"], vocab.histology["label"], strict=True)
    }
    code = key if key in codes else labels.get(key) or labels.get(key.replace("_", " "))
    if code is not None:
        return (code, codes[code]), None
    choices = ["sts", "bone", *codes]
    hint = _suggest(key, [*choices, *vocab.histology["label"]])
    hint = labels.get(hint.lower(), hint) if hint else None
    fix = f"did you mean '{hint}'?" if hint else "expected sts, bone or a subtype code"
    return None, f"unknown histology '{text.strip()}'; {fix}"


def _control_characters(cells: dict[str, str]) -> list[str]:
    """A reason per cell holding a control character (a NUL byte, an escape, ...)."""
    reasons = []
    for name, text in cells.items():
        bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r"), None)
        if bad is not None:
            reasons.append(f"{name} contains a control character (U+{ord(bad):04X}): remove it")
    return reasons


def _validate_row(
    cells: dict[str, str], vocab: Vocab, *, decimal_comma: bool = False
) -> tuple[dict[str, object] | None, list[str]]:
    """One row's values and its problems (empty list = valid)."""
    reasons: list[str] = _control_characters(cells)
    out: dict[str, object] = {}
    label = " ".join(cells.get("study_label", "").split())
    if not label:
        reasons.append("study_label is empty")
    elif len(label) > MAX_LABEL_CHARS:
        reasons.append(f"study_label is longer than {MAX_LABEL_CHARS} characters")
    elif ";" in label:
        reasons.append("study_label must not contain ';' (it separates study lists)")
    elif label == TEMPLATE_LABEL:
        reasons.append("this is the template's example row: delete it or give your own study")
    out["study_label"] = label
    for name in ("drug", "histology", "design"):
        if not cells.get(name, "").strip():
            reasons.append(f"{name} is empty")
    if cells.get("drug", "").strip():
        drug, why = _drug(cells["drug"], vocab)
        out["drug"] = drug
        reasons += [why] if why else []
    if cells.get("histology", "").strip():
        hist, why = _histology(cells["histology"], vocab)
        if hist:
            out["histology"], out["histology_group"] = hist
        reasons += [why] if why else []
    line_text = cells.get("line", "").strip()
    out["line"] = None
    if line_text:
        key = line_text.lower().removesuffix("-line").removesuffix(" line")
        out["line"], why = _choice(key, "line", LINES, _LINE_ALIASES)
        reasons += [why] if why else []
    if cells.get("design", "").strip():
        design_key = cells["design"].strip().lower()
        if design_key.replace(" ", "_") == "case_report":
            reasons.append("design case_report: case reports are never pooled")
        else:
            out["design"], why = _choice(design_key, "design", DESIGNS, _DESIGN_ALIASES)
            reasons += [why] if why else []
    for name, choices in (("regimen", REGIMENS), ("age_group", AGE_GROUPS)):
        given = cells.get(name, "").strip()
        out[name], why = _choice(given, name, choices) if given else (DEFAULTS[name], None)
        reasons += [why] if why else []
    n, why = _number(cells.get("n", ""), "n", whole=True, decimal_comma=decimal_comma)
    if why:
        reasons.append(why)
    elif n is None:
        reasons.append("n is empty")
    elif n == 0:
        reasons.append("n must be at least 1")
    out["n"] = n
    counts = ["responders", "disease_control", *[c for c in cells if c.startswith(AE_PREFIX)]]
    for name in counts:
        value, why = _number(cells.get(name, ""), name, whole=True, decimal_comma=decimal_comma)
        out[name] = value
        if why:
            reasons.append(why)
        elif value is not None and n and value > n:
            reasons.append(f"{name} ({value:g}) is more than n ({n:g})")
    resp, dc = out.get("responders"), out.get("disease_control")
    if resp is not None and dc is not None and resp > dc:  # type: ignore[operator]
        reasons.append(
            f"responders ({resp:g}) is more than disease_control ({dc:g}): disease control "
            "includes the responders"
        )
    reasons += _pfs(cells, out, decimal_comma=decimal_comma)
    has_ae = any(out.get(c) is not None for c in cells if c.startswith(AE_PREFIX))
    has_outcome = any(out.get(c) is not None for c in ("responders", "disease_control"))
    if not (has_ae or has_outcome or out.get("pfs_median") is not None):
        reasons.append(
            f"no outcome: give responders, disease_control, pfs_median or an {AE_PREFIX} count"
        )
    return (None if reasons else out), reasons


def _pfs(cells: dict[str, str], out: dict[str, object], *, decimal_comma: bool) -> list[str]:
    reasons: list[str] = []
    high_text = cells.get("pfs_ci_high", "").strip()
    not_reached = high_text.lower() in NOT_REACHED
    values = {}
    for name in ("pfs_median", "pfs_ci_low", "pfs_ci_high"):
        text = "" if name == "pfs_ci_high" and not_reached else cells.get(name, "")
        values[name], why = _number(text, name, whole=False, decimal_comma=decimal_comma)
        reasons += [why] if why else []
    out.update(values)
    out["pfs_upper_not_reached"] = not_reached
    median, low, high = values["pfs_median"], values["pfs_ci_low"], values["pfs_ci_high"]
    if reasons:
        return reasons
    if median is None and (low is not None or high is not None or not_reached):
        reasons.append("pfs_ci_low/pfs_ci_high given without pfs_median")
    elif low is not None and high is None and not not_reached:
        reasons.append("pfs_ci_high is empty: give it, or NR if the upper limit was not reached")
    elif low is None and (high is not None or not_reached):
        reasons.append("pfs_ci_low is empty: a CI needs its lower limit")
    elif median is not None and low is not None and low > median:
        reasons.append(f"pfs_ci_low ({low:g}) is above pfs_median ({median:g})")
    elif median is not None and high is not None and high < median:
        reasons.append(f"pfs_ci_high ({high:g}) is below pfs_median ({median:g})")
    return reasons


def validate_records(
    header: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    vocab: Vocab,
    taken: Collection[str] = (),
    *,
    decimal_comma: bool = False,
) -> ParsedStudies:
    """Validate rows of text cells against the format, each row on its own.

    Parameters
    ----------
    header : sequence of str
        Column names as written (case, spaces and hyphens do not matter).
    rows : sequence of (int, sequence of str)
        Row number as shown to the user, and the row's cells.
    vocab : Vocab
    taken : collection of str
        Labels already in use.
    decimal_comma : bool
        Read ``5,6`` as 5.6 (a ``;``-separated file from a European spreadsheet).

    Returns
    -------
    ParsedStudies
    """
    head = _read_header(header, vocab)
    label_at = next((i for i, c in head.columns.items() if c == "study_label"), None)
    problems: list[RowProblem] = []
    if head.problems:
        problems.append(RowProblem(1, "", "; ".join(head.problems) + ": no row could be read"))
        for number, cells in rows:
            label = (
                cells[label_at].strip() if label_at is not None and label_at < len(cells) else ""
            )
            problems.append(RowProblem(number, label, "; ".join(head.problems)))
        return ParsedStudies(empty_studies(), tuple(problems), len(rows))
    used = {str(t) for t in taken}
    records: list[dict[str, object]] = []
    for number, cells in rows:
        label = cells[label_at].strip() if label_at is not None and label_at < len(cells) else ""
        reasons = []
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            reasons.append(f"{len(cells)} cells but the header has {len(header)} columns")
        reasons += [why for i, why in head.bad.items() if i < len(cells) and cells[i].strip()]
        named = {col: (cells[i] if i < len(cells) else "") for i, col in head.columns.items()}
        values, row_reasons = _validate_row(named, vocab, decimal_comma=decimal_comma)
        reasons += row_reasons
        clean_label = " ".join(label.split())
        if clean_label and clean_label in used:
            reasons.append(f"label '{clean_label}' is already used: labels must be unique")
        if reasons or values is None:
            problems.append(RowProblem(number, shown_value(label), _reasons_text(reasons)))
            continue
        used.add(clean_label)
        records.append(values)
    return ParsedStudies(_studies_frame(records), tuple(problems), len(rows))


def _reasons_text(reasons: Sequence[str]) -> str:
    """One row's reasons, the first :data:`MAX_REASONS` of them and a count of the rest."""
    shown = "; ".join(reasons[:MAX_REASONS])
    more = len(reasons) - MAX_REASONS
    return shown + (f"; … and {more} more problems in this row" if more > 0 else "")


def _studies_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    if not records:
        return empty_studies()
    df = pd.DataFrame.from_records(records)
    ae_cols = sorted(c for c in df.columns if c.startswith(AE_PREFIX))
    for col in STUDY_COLUMNS:
        if col not in df.columns:
            df[col] = None
    return _typed(df[[*STUDY_COLUMNS, *ae_cols]])


def combine(existing: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """Append validated rows to a studies table (AE columns aligned; missing counts empty)."""
    if existing.empty:
        return added.copy()
    if added.empty:
        return existing.copy()
    both = pd.concat([existing, added], ignore_index=True)
    ae_cols = sorted(c for c in both.columns if c.startswith(AE_PREFIX))
    return _typed(both[[*STUDY_COLUMNS, *ae_cols]])


# ---------------------------------------------------------------------------------------------
# The user studies as a batch of the evidence
# ---------------------------------------------------------------------------------------------


def batch_digest(studies: pd.DataFrame) -> str:
    """A digest of a studies table ("" when it is empty): with the curated data's sha256 it
    names the evidence a session sees (:attr:`tkidata.Evidence.fingerprint`)."""
    if studies.empty:
        return ""
    digest = pd.util.hash_pandas_object(studies.astype(str), index=True).to_numpy()
    return hashlib.sha256(digest.tobytes()).hexdigest()


def _batch_tables(studies: pd.DataFrame) -> dict[str, list[dict[str, object]]]:
    """The user studies as rows of the curated tables: one study arm each (``study_id`` = its
    label, preferred, ``extraction_level`` ``user-supplied``), its ORR, DCR (best overall
    response) and median PFS as whole-arm outcome rows (population ``all``: the selection reads
    it for the arm's group and subtype too), and its grade ≥3 counts as adverse-event rows."""
    tables: dict[str, list[dict[str, object]]] = {
        "studies": [],
        "outcomes": [],
        "adverse_events": [],
    }
    terms = ae_terms_of(studies)
    for s in studies.to_dict("records"):
        sid = str(s["study_label"])
        subtype = s["histology"] if s["histology"] != s["histology_group"] else None
        tables["studies"].append(
            {
                "study_id": sid,
                "drug": s["drug"],
                "design": s["design"],
                "regimen": s["regimen"],
                "line": s["line"],
                "histology_group": s["histology_group"],
                "subtypes": subtype,
                "age_group": s["age_group"],
                "n_enrolled": s["n"],
                "preferred": True,
                "extraction_level": "user-supplied",
            }
        )
        arm = {"study_id": sid, "population": "all", "n": s["n"], "derived": False}
        for outcome, col in (("orr", "responders"), ("dcr", "disease_control")):
            if pd.notna(s[col]):
                tables["outcomes"].append(
                    {**arm, "outcome": outcome, "assessment": "bor", "events": s[col]}
                )
        if pd.notna(s["pfs_median"]):
            tables["outcomes"].append(
                {
                    **arm,
                    "outcome": "pfs_median",
                    "estimate": s["pfs_median"],
                    "ci_low": s["pfs_ci_low"],
                    "ci_high": s["pfs_ci_high"],
                    "not_reached": "upper" if s["pfs_upper_not_reached"] else None,
                }
            )
        for term in terms:
            count = s[ae_column(term)]
            if pd.notna(count):
                tables["adverse_events"].append(
                    {
                        "study_id": sid,
                        "term_reported": term,
                        "term": term,
                        "grade": "3plus",
                        "events": count,
                        "n": s["n"],
                        "derived": False,
                    }
                )
    return tables


def _appended(curated: pd.DataFrame, rows: list[dict[str, object]]) -> pd.DataFrame:
    """``curated`` with ``rows`` appended, every column in the curated type."""
    if not rows:
        return curated
    added = pd.DataFrame(rows, columns=list(curated.columns))
    for col, dtype in curated.dtypes.items():
        if str(dtype) == "bool":
            added[col] = added[col].fillna(False).astype(bool)
        else:
            added[col] = added[col].astype(dtype)
    return pd.concat([curated, added], ignore_index=True)


def with_user_studies(ev: Evidence, studies: pd.DataFrame) -> Evidence:
    """The evidence a session sees: the curated evidence plus its user studies as one batch.

    Each user study becomes a study arm with its outcome and adverse-event rows in the curated
    tables' shape and types (:func:`_batch_tables`), so that the same selection, tiers, pools,
    certainty and exports apply to it as to a curated arm; its pooled rows are marked
    ``user_supplied`` and its label ends in "(user)". The rows were validated row by row on
    entry (:func:`validate_records`, with the curated data's bounds and vocabularies); here the
    batch is checked against the curated data as the loader checks batches against each other:
    a study id must be unique across batches.

    Parameters
    ----------
    ev : Evidence
        The curated evidence.
    studies : pandas.DataFrame
        Validated user studies (:data:`STUDY_COLUMNS` and ``ae3_`` columns).

    Returns
    -------
    Evidence
        ``ev`` itself when there are no user studies; else a new evidence whose
        :attr:`~tkidata.Evidence.fingerprint` adds the studies' :func:`batch_digest`.

    Raises
    ------
    ValueError
        When a user study's label is the id of a curated study arm.
    """
    if studies.empty:
        return ev
    tables = _batch_tables(studies)
    ids = [str(r["study_id"]) for r in tables["studies"]]
    clash = sorted(set(ids) & set(ev.studies["study_id"]))
    if clash:
        raise ValueError(
            f"user study '{clash[0]}': the label is a curated study id; labels must be unique"
        )
    return replace(
        ev,
        studies=_appended(ev.studies, tables["studies"]),
        outcomes=_appended(ev.outcomes, tables["outcomes"]),
        adverse_events=_appended(ev.adverse_events, tables["adverse_events"]),
        user_ids=frozenset(ids),
        user_digest=batch_digest(studies),
    )
