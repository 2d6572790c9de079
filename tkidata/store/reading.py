"""Strict CSV reading that keeps the line number of every record."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from tkidata.store.errors import Problem

REPO_ROOT = Path(__file__).resolve().parents[2]


def display_path(path: Path) -> str:
    """Return ``path`` relative to the repository root (or the working directory) if possible."""
    resolved = path.resolve()
    for base in (REPO_ROOT, Path.cwd().resolve()):
        try:
            return resolved.relative_to(base).as_posix()
        except ValueError:
            continue
    return resolved.as_posix()


@dataclass(frozen=True)
class RawTable:
    """A CSV file read as strings.

    Attributes
    ----------
    path : Path
        The file.
    header : tuple of str
        Column names as written.
    rows : tuple of dict
        One ``{column: text}`` mapping per record (empty cells are ``""``).
    lines : tuple of int
        The line number on which each record starts (header = line 1).
    """

    path: Path
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...]

    @property
    def shown(self) -> str:
        """The path as printed in problem messages."""
        return display_path(self.path)


DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
"""Separators a spreadsheet may write instead of commas, and their names in messages."""


def read_csv_strict(path: Path) -> tuple[RawTable | None, list[Problem]]:
    """Read one CSV file (UTF-8, RFC 4180) without interpreting any value.

    Parameters
    ----------
    path : Path
        File to read.

    Returns
    -------
    table : RawTable or None
        None when the file cannot be read or parsed at all (not a readable file, encoding,
        quoting, another separator than ``,``, empty file).
    problems : list of Problem
        Read problems; records with the wrong number of fields are reported and dropped.
    """
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, [Problem(shown, 1, "(file)", f"cannot be read: {reason}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = f"not valid UTF-8 (byte {exc.start + 1}, line {line}); save the file as UTF-8"
        return None, [Problem(shown, line, "(file)", msg)]
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if record:
                records.append((start, record))
    except csv.Error as exc:
        msg = f"malformed CSV (bad quoting?): {exc}"
        return None, [Problem(shown, previous_end + 1, "(file)", msg)]
    if not records:
        return None, [Problem(shown, 1, "(file)", "empty file: no header row")]
    header_line, header = records[0]
    if len(header) == 1:
        for sep, name in DELIMITERS.items():
            if header[0].count(sep) >= 2:
                msg = (
                    f"the columns are separated by {name} ('{sep}'), not commas: save the file "
                    "as comma-separated CSV (UTF-8)"
                )
                return None, [Problem(shown, header_line, "(file)", msg)]
    problems: list[Problem] = []
    if header_line != 1:
        problems.append(Problem(shown, 1, "(file)", "header must be on line 1"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(shown, header_line, name, "column appears twice in the header"))
        seen.add(name)
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    for line, record in records[1:]:
        if len(record) != len(header):
            msg = f"expected {len(header)} fields, found {len(record)}"
            problems.append(Problem(shown, line, "(row)", msg))
            continue
        rows.append(dict(zip(header, record, strict=True)))
        lines.append(line)
    return RawTable(path, tuple(header), tuple(rows), tuple(lines)), problems
