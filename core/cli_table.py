"""The engine CLI's input table: ``study,events,n[,subgroup]`` rows read and checked line by line.

Shared by ``python -m core pool`` (:mod:`core.cli`), ``metareg`` (:mod:`core.metareg_cli`) and
``pool --cumulative`` (:mod:`core.cumulative_cli`); a bad row raises :class:`InputError` naming
the file, the line and the problem.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.cli_errors import InputError

REQUIRED = ("study", "events", "n")


@dataclass(frozen=True)
class Table:
    """Validated rows of an input file.

    ``lines`` is each row's line in the file; ``columns`` holds the stripped text of the extra
    columns asked for (moderators, an order column), unchecked.
    """

    study: list[str]
    events: list[int]
    n: list[int]
    subgroup: list[str] | None
    lines: list[int] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)


def _count(path: str, line: int, column: str, text: str) -> int:
    text = text.strip()
    if text == "":
        raise InputError(f"{path}:{line}: {column}: missing value")
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}:{line}: {column}: {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError(f"{path}:{line}: {column}: {text!r} is not a number")
    if value < 0:
        raise InputError(f"{path}:{line}: {column}: {text} is negative")
    if value != int(value):
        raise InputError(f"{path}:{line}: {column}: {text} is not an integer")
    return int(value)


def read_rows(path: str, required: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """The stripped header and the raw rows of a CSV file whose header holds ``required``.

    Raises :class:`InputError` naming the file (and line 1) when it cannot be read, is not CSV,
    is empty or lacks a required column.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"{path}: cannot read file: {reason}") from None
    except csv.Error as exc:
        raise InputError(f"{path}: not a CSV file: {exc}") from None
    if not rows or all(not any(c.strip() for c in r) for r in rows):
        raise InputError(f"{path}:1: empty file")
    header = [c.strip() for c in rows[0]]
    for col in required:
        if col not in header:
            raise InputError(f"{path}:1: missing column {col!r}")
    return header, rows


def read_table(path: str, columns: Sequence[str] = ()) -> Table:
    """Read and validate ``study,events,n[,subgroup]`` rows; raise :class:`InputError`.

    ``columns`` names extra columns to keep as text (missing ones are an error).
    """
    header, rows = read_rows(path, (*REQUIRED, *columns))
    pos = {c: header.index(c) for c in header}
    has_sub = "subgroup" in pos
    out = Table([], [], [], [] if has_sub else None, [], {c: [] for c in columns})
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise InputError(f"{path}:{line}: expected {len(header)} fields, found {len(row)}")
        study = row[pos["study"]].strip()
        if not study:
            raise InputError(f"{path}:{line}: study: missing value")
        events = _count(path, line, "events", row[pos["events"]])
        n = _count(path, line, "n", row[pos["n"]])
        if n < 1:
            raise InputError(f"{path}:{line}: n: must be at least 1")
        if events > n:
            raise InputError(f"{path}:{line}: events: {events} > n = {n}")
        out.lines.append(line)
        for col in columns:
            out.columns[col].append(row[pos[col]].strip())
        out.study.append(study)
        out.events.append(events)
        out.n.append(n)
        if out.subgroup is not None:
            group = row[pos["subgroup"]].strip()
            if not group:
                raise InputError(f"{path}:{line}: subgroup: missing value")
            out.subgroup.append(group)
    if not out.study:
        raise InputError(f"{path}:2: no data rows")
    return out


def fmt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def fmt_p(p: float | None) -> str:
    """A p value as ``p = 0.5210`` or ``p < 0.0001`` (never a misleading ``0.0000``)."""
    return "p < 0.0001" if p is not None and p < 0.0001 else f"p = {fmt(p)}"
