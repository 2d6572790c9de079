"""Load every batch folder under ``tkidata/data/``, validate it, and describe its version."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tkidata.errors import DataValidationError, Problem
from tkidata.reading import RawTable, display_path, read_csv_strict
from tkidata.validate import (
    TABLES,
    Located,
    check_header,
    cross_problems,
    schema_problems,
    typed_table,
)
from tkidata.vocab import VOCAB_DIR, Vocab, load_vocab

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, eq=False)
class DataVersion:
    """Which data a result was computed from.

    Attributes
    ----------
    date : str
        ISO date of the newest commit touching the data, or of the newest file modification when
        the data folder has uncommitted changes or is not in git.
    git_revision : str or None
        ``git rev-parse --short HEAD`` of the repository holding the data, if available.
    sha256 : str
        Hash over the relative paths and bytes of every data and vocabulary file.
    counts : dict
        Rows per table plus the number of batches.
    """

    date: str
    git_revision: str | None
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        revision = f", git {self.git_revision}" if self.git_revision else ""
        return f"data of {self.date}{revision}, sha256 {self.sha256[:12]}"


@dataclass(frozen=True, eq=False)
class Evidence:
    """The validated evidence base.

    Attributes
    ----------
    studies, outcomes, adverse_events, published : pandas.DataFrame
        The concatenated tables of all batches with CSV column names.
    searches, records, included_studies : pandas.DataFrame
        The search log (queries run, records found and their screening decisions) and the
        studies each published meta-analysis pooled. Empty cells are missing
        values (``NaN``/``<NA>``), never 0; integer columns use the nullable ``Int64`` dtype.
    vocab : Vocab
        Controlled vocabularies.
    version : DataVersion
        Date, git revision, hash and counts of the data loaded.
    warnings : tuple of Problem
        Non-blocking findings (e.g. a stated ORR that disagrees with events/n).
    batches : tuple of str
        Batch folder names, sorted.
    """

    studies: pd.DataFrame
    outcomes: pd.DataFrame
    adverse_events: pd.DataFrame
    published: pd.DataFrame
    vocab: Vocab
    version: DataVersion
    searches: pd.DataFrame = field(default_factory=pd.DataFrame)
    records: pd.DataFrame = field(default_factory=pd.DataFrame)
    included_studies: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: tuple[Problem, ...] = ()
    batches: tuple[str, ...] = ()


def batch_dirs(data_dir: Path) -> list[Path]:
    """Batch folders of ``data_dir`` (sub-folders not starting with ``.`` or ``_``), sorted."""
    return sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _read_batches(data_dir: Path) -> tuple[dict[str, list[RawTable]], list[Problem], list[Path]]:
    raw: dict[str, list[RawTable]] = {name: [] for name in TABLES}
    problems: list[Problem] = []
    files: list[Path] = []
    for batch in batch_dirs(data_dir):
        for path in sorted(batch.glob("*.csv")):
            if path.stem not in TABLES:
                msg = f"unknown table file (allowed: {', '.join(t + '.csv' for t in TABLES)})"
                problems.append(Problem(display_path(path), 1, "(file)", msg))
                continue
            files.append(path)
            table, read_problems = read_csv_strict(path)
            problems += read_problems
            if table is not None:
                raw[path.stem].append(table)
    return raw, problems, files


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def data_version(
    data_dir: Path, files: list[Path], vocab_dir: Path, counts: dict[str, int]
) -> DataVersion:
    """Describe the data files: date, git revision, sha256 and counts."""
    digest = hashlib.sha256()
    vocab_files = sorted(vocab_dir.glob("*.csv"))
    for path in sorted(files) + vocab_files:
        digest.update(display_path(path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    revision = _git(["rev-parse", "--short", "HEAD"], data_dir)
    dirty = _git(["status", "--porcelain", "--", "."], data_dir)
    committed = _git(["log", "-1", "--format=%cs", "--", "."], data_dir)
    if committed and not dirty:
        date = committed
    else:
        mtimes = [p.stat().st_mtime for p in files] or [data_dir.stat().st_mtime]
        date = dt.datetime.fromtimestamp(max(mtimes), tz=dt.UTC).date().isoformat()
    return DataVersion(date, revision, digest.hexdigest(), counts)


def _public(table: Located) -> pd.DataFrame:
    """Final DataFrame: floats as float64 (NaN), required booleans as bool, ints as Int64."""
    frame = table.frame.copy()
    for col in frame.columns:
        dtype = str(frame[col].dtype)
        if dtype == "Float64":
            frame[col] = frame[col].astype("float64")
        elif dtype == "boolean" and not frame[col].isna().any():
            frame[col] = frame[col].astype(bool)
    return frame.reset_index(drop=True)


def load(data_dir: Path | str | None = None, vocab_dir: Path | str | None = None) -> Evidence:
    """Read the vocabularies and every batch folder, validate everything, return the evidence.

    Parameters
    ----------
    data_dir : Path or str, optional
        Folder whose sub-folders are batches; defaults to ``tkidata/data``.
    vocab_dir : Path or str, optional
        Vocabulary folder; defaults to ``tkidata/vocab``.

    Returns
    -------
    Evidence

    Raises
    ------
    DataValidationError
        Listing every problem as ``file:row: column: problem``. A file that cannot be parsed at
        all (encoding, quoting) stops loading before the row rules run.
    """
    data = Path(data_dir) if data_dir is not None else DATA_DIR
    vocab_folder = Path(vocab_dir) if vocab_dir is not None else VOCAB_DIR
    vocab: Vocab = load_vocab(vocab_folder)
    if not data.is_dir():
        raise DataValidationError([Problem(str(data), 1, "(folder)", "data folder not found")])
    raw, problems, files = _read_batches(data)
    if problems:
        raise DataValidationError(problems)
    usable: dict[str, list[RawTable]] = {}
    for name in TABLES:
        usable[name] = []
        for table in raw[name]:
            header_problems = check_header(table, name)
            problems += header_problems
            if not header_problems:
                usable[name].append(table)
    typed: dict[str, Located] = {}
    for name in TABLES:
        typed[name], parse_problems = typed_table(name, usable[name])
        problems += parse_problems
        problems += schema_problems(name, typed[name])
    errors, warnings = cross_problems(typed, vocab)
    problems += errors
    if problems:
        raise DataValidationError(problems)
    counts = {name: len(typed[name].frame) for name in TABLES}
    counts["batches"] = len(batch_dirs(data))
    return Evidence(
        studies=_public(typed["studies"]),
        outcomes=_public(typed["outcomes"]),
        adverse_events=_public(typed["adverse_events"]),
        published=_public(typed["published"]),
        vocab=vocab,
        version=data_version(data, files, vocab_folder, counts),
        searches=_public(typed["searches"]),
        records=_public(typed["records"]),
        included_studies=_public(typed["included_studies"]),
        warnings=tuple(sorted(set(warnings))),
        batches=tuple(p.name for p in batch_dirs(data)),
    )
