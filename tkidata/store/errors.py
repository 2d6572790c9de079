"""Validation problems and the error raised when the curated data do not validate.

The message of :class:`DataValidationError` puts the root problems first (a folder or file that
cannot be read, then header problems, then row problems) and caps repeats: after
:data:`MAX_REPEATS` problems of one kind in one file and column, one line says how many more
rows are like them, so a broken 50 MB file gives a screenful, not megabytes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

MAX_REPEATS = 5
"""Problems of one kind (same file, column and wording) printed before they are counted."""
MAX_LINES = 200
"""Most problem lines in one message; the rest are counted on a last line."""
MAX_VALUE_CHARS = 60
"""Longest cell text echoed back in a message."""

FILE_COLUMNS = ("(folder)", "(file)")
"""Column names of problems about a whole folder or file (reported before any row problem)."""


def shown_value(text: object) -> str:
    """Cell text as echoed in a message: control characters escaped, long text shortened.

    >>> shown_value("a\\x00b")
    'a\\\\x00b'
    >>> len(shown_value("x" * 500)) <= MAX_VALUE_CHARS + 1
    True
    """
    value = str(text)
    value = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in value)
    if len(value) > MAX_VALUE_CHARS:
        value = value[: MAX_VALUE_CHARS - 1] + "…"
    return value


@dataclass(frozen=True, order=True)
class Problem:
    """One validation finding, located in a source file.

    Attributes
    ----------
    path : str
        File as shown to curators (relative to the repository root where possible).
    line : int
        Line number in the file; the header is line 1.
    column : str
        The offending column (or ``(file)`` / ``(folder)`` for file- and folder-level problems).
    message : str
        What is wrong, in words.
    """

    path: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.column}: {self.message}"

    @property
    def rank(self) -> int:
        """0 for a folder or file that cannot be read, 1 for a header problem, 2 for a row."""
        if self.column in FILE_COLUMNS:
            return 0
        return 1 if self.line == 1 else 2

    @property
    def kind(self) -> tuple[str, str, str]:
        """File, column and wording with quoted values and numbers blanked (repeats share it)."""
        wording = re.sub(r"'[^']*'|\d+(\.\d+)?(e[-+]?\d+)?", "…", self.message)
        return self.path, self.column, wording


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_lines(problems: tuple[Problem, ...]) -> list[str]:
    """Problem lines, root problems first, repeats of a kind capped at :data:`MAX_REPEATS`.

    Parameters
    ----------
    problems : tuple of Problem
        Sorted problems.

    Returns
    -------
    list of str
        At most :data:`MAX_LINES` + 1 lines.
    """
    ordered = sorted(problems, key=lambda p: (p.rank, p))
    totals = Counter(p.kind for p in ordered)
    shown: Counter[tuple[str, str, str]] = Counter()
    lines: list[str] = []
    for problem in ordered:
        kind = problem.kind
        shown[kind] += 1
        if shown[kind] <= MAX_REPEATS:
            lines.append(str(problem))
        elif shown[kind] == MAX_REPEATS + 1:
            more = totals[kind] - MAX_REPEATS
            lines.append(
                f"{problem.path}: {problem.column}: … and {_plural(more, 'more row')} like this"
            )
    if len(lines) > MAX_LINES:
        rest = len(lines) - MAX_LINES
        lines = [*lines[:MAX_LINES], f"… and {_plural(rest, 'more problem line')}"]
    return lines


class DataValidationError(ValueError):
    """The curated data failed validation; ``problems`` lists every finding.

    The message counts the problems, then holds one ``file:row: column: problem`` line per
    problem, root problems first and repeats capped (see :func:`summary_lines`); ``problems``
    keeps all of them.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(sorted(set(problems)))
        n = len(self.problems)
        head = f"{n:,} data validation problem{'s' if n != 1 else ''}"
        super().__init__("\n".join([head, *summary_lines(self.problems)]))
