"""Validation problems and the error raised when the curated data do not validate."""

from __future__ import annotations

from dataclasses import dataclass


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
        The offending column (or ``(file)`` for file-level problems).
    message : str
        What is wrong, in words.
    """

    path: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.column}: {self.message}"


class DataValidationError(ValueError):
    """The curated data failed validation; ``problems`` lists every finding.

    The message holds one ``file:row: column: problem`` line per problem.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(sorted(set(problems)))
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} data validation problem{'s' if len(lines) != 1 else ''}"
        super().__init__("\n".join([head, *lines]))
