"""Load every batch folder under ``tkidata/data/``, validate it, and describe its version."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import platform
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from tkidata.store.errors import DataValidationError, Problem
from tkidata.store.reading import RawTable, display_path, read_csv_strict
from tkidata.store.validate import (
    TABLES,
    Located,
    check_header,
    cross_problems,
    schema_problems,
    typed_table,
)
from tkidata.store.vocab import VOCAB_DIR, Vocab, load_vocab

PACKAGE = Path(__file__).resolve().parent.parent
DATA_DIR = PACKAGE / "data"


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
    comparisons : pandas.DataFrame
        The randomised comparisons (``comparisons.csv``): one hazard ratio of an experimental
        arm vs its control per row, with ``preferred`` marking the one report per trial ×
        population × line subgroup × outcome × comparison that the views use.
    risk_of_bias, guidelines : pandas.DataFrame
        RoB 2 judgements of the randomised trials and the guideline and regulatory standing of
        each drug (:mod:`tkidata.comparative.rob`, :mod:`tkidata.comparative.standing`); empty
        (with their columns) when no batch holds the files.
    vocab : Vocab
        Controlled vocabularies.
    version : DataVersion
        Date, git revision, hash and counts of the data loaded.
    warnings : tuple of Problem
        Non-blocking findings (e.g. a stated ORR that disagrees with events/n).
    batches : tuple of str
        Batch folder names, sorted.
    read : tuple of (str, int)
        Every file read (as shown in messages) and its number of data rows.
    skipped : tuple of str
        Entries of the data folder deliberately not read, with the reason.
    user_ids : frozenset of str
        Study ids of a session's user-supplied studies merged in
        (:func:`tkidata.store.user_studies.with_user_studies`); empty for the curated evidence.
    user_digest : str
        Digest of those user studies ("" for the curated evidence).
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
    comparisons: pd.DataFrame = field(default_factory=pd.DataFrame)
    risk_of_bias: pd.DataFrame = field(default_factory=pd.DataFrame)
    guidelines: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: tuple[Problem, ...] = ()
    batches: tuple[str, ...] = ()
    read: tuple[tuple[str, int], ...] = ()
    skipped: tuple[str, ...] = ()
    user_ids: frozenset[str] = frozenset()
    user_digest: str = ""

    @property
    def fingerprint(self) -> tuple[str, str]:
        """What the evidence holds: the curated data's sha256 and the user studies' digest."""
        return self.version.sha256, self.user_digest


NOTE_SUFFIXES = (".md",)
"""Files a batch (or the data folder) may hold besides its tables: curation notes."""


def batch_dirs(data_dir: Path) -> list[Path]:
    """Batch folders of ``data_dir`` (sub-folders not starting with ``.`` or ``_``), sorted."""
    return sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


@dataclass(frozen=True)
class Inventory:
    """What a data folder holds: the table files to read, what is skipped, what is refused.

    Attributes
    ----------
    tables : dict
        Table name -> its files, in batch order.
    skipped : tuple of str
        Entries deliberately not read, each with the reason (hidden, ``_``-prefixed folders).
    problems : tuple of Problem
        Entries that make the folder unreadable as a whole (it is then refused).
    """

    tables: dict[str, list[Path]]
    skipped: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def files(self) -> list[Path]:
        """Every table file, sorted."""
        return sorted(p for paths in self.tables.values() for p in paths)


def _entry_problem(path: Path, root: Path) -> str | None:
    """Why ``path`` cannot be read as part of the data folder ``root`` (None: it can)."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "is a link to a missing file (dangling link): restore the file or remove it"
        if not target.is_relative_to(root):
            return (
                "is a link to a location outside the data folder: links must not leave it "
                "(copy the file in instead)"
            )
    if not path.exists():
        return "cannot be read (it vanished while the folder was read)"
    return None


def _batch_entry(path: Path, batch: Path) -> str | None:
    """Why a batch entry is refused (None for a table file or a note)."""
    if path.is_dir() and path.suffix.lower() == ".csv":
        return "is a folder, not a file: a table must be a CSV file"
    if path.is_dir():
        return (
            f"a folder inside batch '{batch.name}': batches are not nested; move it up to the "
            "data folder as a batch of its own (its files are not read where it is)"
        )
    if not path.is_file():
        return "not a regular file"
    allowed = ", ".join(t + ".csv" for t in TABLES)
    if path.suffix == ".csv" and path.stem not in TABLES:
        return f"unknown table file (allowed: {allowed})"
    if path.suffix.lower() == ".csv" and path.suffix != ".csv":
        return f"the extension must be lower-case .csv: rename it to {path.stem}.csv"
    if path.suffix not in (".csv", *NOTE_SUFFIXES):
        return f"unknown file: a batch holds only its tables ({allowed}) and .md notes"
    return None


def inventory(data_dir: Path) -> Inventory:
    """List a data folder completely: every entry is read, deliberately skipped, or refused.

    Hidden entries (``.name``) and folders named ``_name`` are skipped and listed as such;
    everything else in the data folder must be a batch folder or a ``.md`` note, and
    everything in a batch a table file (``<table>.csv``) or a ``.md`` note. A link may point
    anywhere inside the data folder, never outside it.

    Parameters
    ----------
    data_dir : Path
        The folder of batch folders.

    Returns
    -------
    Inventory
    """
    root = data_dir.resolve()
    tables: dict[str, list[Path]] = {name: [] for name in TABLES}
    skipped: list[str] = []
    problems: list[Problem] = []

    def refuse(path: Path, message: str) -> None:
        problems.append(Problem(display_path(path.parent) + "/" + path.name, 1, "(file)", message))

    for entry in sorted(data_dir.iterdir()):
        if entry.name.startswith("."):
            skipped.append(f"{entry.name} (hidden)")
            continue
        why = _entry_problem(entry, root)
        if why:
            refuse(entry, why)
            continue
        if not entry.is_dir():
            if entry.suffix not in NOTE_SUFFIXES:
                refuse(entry, "a file outside any batch folder: move it into a batch folder")
            continue
        if entry.name.startswith("_"):
            skipped.append(f"{entry.name}/ (folder name starts with _: not a batch)")
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith("."):
                skipped.append(f"{entry.name}/{path.name} (hidden)")
                continue
            why = _entry_problem(path, root) or _batch_entry(path, entry)
            if why:
                refuse(path, why)
            elif path.suffix == ".csv":
                tables[path.stem].append(path)
    return Inventory(tables, tuple(skipped), tuple(problems))


def _read_batches(inv: Inventory) -> tuple[dict[str, list[RawTable]], list[Problem]]:
    raw: dict[str, list[RawTable]] = {name: [] for name in TABLES}
    problems: list[Problem] = []
    for name, paths in inv.tables.items():
        for path in paths:
            table, read_problems = read_csv_strict(path)
            problems += read_problems
            if table is not None:
                raw[name].append(table)
    return raw, problems


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def content_digest(files: list[Path], vocab_dir: Path) -> str:
    """sha256 over the shown path and the bytes of every data and vocabulary file."""
    digest = hashlib.sha256()
    for path in sorted(files) + sorted(vocab_dir.glob("*.csv")):
        digest.update(display_path(path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def data_version(
    data_dir: Path,
    files: list[Path],
    vocab_dir: Path,
    counts: dict[str, int],
    sha256: str | None = None,
) -> DataVersion:
    """Describe the data files: date, git revision, sha256 (:func:`content_digest`, unless
    given) and counts."""
    revision = _git(["rev-parse", "--short", "HEAD"], data_dir)
    dirty = _git(["status", "--porcelain", "--", "."], data_dir)
    committed = _git(["log", "-1", "--format=%cs", "--", "."], data_dir)
    if committed and not dirty:
        date = committed
    else:
        mtimes = [p.stat().st_mtime for p in files] or [data_dir.stat().st_mtime]
        date = dt.datetime.fromtimestamp(max(mtimes), tz=dt.UTC).date().isoformat()
    return DataVersion(date, revision, sha256 or content_digest(files, vocab_dir), counts)


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


CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tkidata"
"""Where validated evidence is kept (:func:`load`); ``TKIDATA_CACHE=off`` turns the cache off."""
CACHE_ENTRIES = 8
"""Validated evidence kept on disk, newest first (one per data folder and content)."""


def _code_digest() -> str:
    """A digest of the loader's code (every ``tkidata`` module) and of the Python, pandas and
    pyarrow versions that pickled the frames: a cached evidence never outlives either."""
    import pyarrow

    digest = hashlib.sha256(f"{platform.python_version()} {pd.__version__}".encode())
    digest.update(pyarrow.__version__.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_key(data: Path, vocab_folder: Path, inv: Inventory, content: str) -> str:
    key = hashlib.sha256(_code_digest().encode())
    for part in (str(data.resolve()), str(vocab_folder.resolve()), content, *inv.skipped):
        key.update(part.encode() + b"\0")
    return key.hexdigest()


def _cached(path: Path) -> Evidence | None:
    try:
        with path.open("rb") as handle:
            found = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return found if isinstance(found, Evidence) else None


def _keep(path: Path, ev: Evidence) -> None:
    """Write ``ev`` to ``path`` atomically and keep the newest :data:`CACHE_ENTRIES` entries; a
    cache that cannot be written is no error (the next load validates again)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(ev, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
        entries = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-CACHE_ENTRIES]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def load(data_dir: Path | str | None = None, vocab_dir: Path | str | None = None) -> Evidence:
    """Read the vocabularies and every batch folder, validate everything, return the evidence.

    Evidence that validated is kept on disk (:data:`CACHE_DIR`), keyed by the data folder, the
    shown path and bytes of every data and vocabulary file (:func:`content_digest`), the entries
    skipped and a digest of the loader's code: loading the same data again reads the files once
    to hash them and unpickles the validated tables (tens of milliseconds instead of a second of
    parsing and validation, and pandera is not imported). Data that do not validate are never
    kept, so their problems are found and reported afresh on every load. The version (git
    revision and date) is always read anew.

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
    if os.environ.get("TKIDATA_CACHE") == "off" or not data.is_dir():
        return _validated(data, vocab_folder)
    try:
        inv = inventory(data)
        content = content_digest(inv.files, vocab_folder)
    except OSError:  # the validating path reports what cannot be read
        return _validated(data, vocab_folder)
    if inv.problems:
        return _validated(data, vocab_folder)
    path = CACHE_DIR / f"{_cache_key(data, vocab_folder, inv, content)}.pickle"
    hit = _cached(path)
    if hit is not None:
        version = data_version(data, inv.files, vocab_folder, hit.version.counts, content)
        return replace(hit, version=version)
    ev = _validated(data, vocab_folder)
    _keep(path, ev)
    return ev


def _validated(data: Path, vocab_folder: Path) -> Evidence:
    """:func:`load` without the cache: read and validate everything."""
    vocab: Vocab = load_vocab(vocab_folder)
    if not data.is_dir():
        raise DataValidationError([Problem(str(data), 1, "(folder)", "data folder not found")])
    try:
        inv = inventory(data)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataValidationError([Problem(display_path(data), 1, "(folder)", reason)]) from None
    raw, problems = _read_batches(inv)
    problems += inv.problems
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
    # Without every studies file, each reference to a study it holds would be reported as
    # unknown: the root problem (its header) is reported alone.
    complete_ids = len(usable["studies"]) == len(raw["studies"])
    errors, warnings = cross_problems(typed, vocab, complete_ids=complete_ids)
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
        version=data_version(data, inv.files, vocab_folder, counts),
        searches=_public(typed["searches"]),
        records=_public(typed["records"]),
        included_studies=_public(typed["included_studies"]),
        comparisons=_public(typed["comparisons"]),
        risk_of_bias=_public(typed["risk_of_bias"]),
        guidelines=_public(typed["guidelines"]),
        warnings=tuple(sorted(set(warnings))),
        batches=tuple(p.name for p in batch_dirs(data)),
        read=tuple(sorted((t.shown, len(t.rows)) for name in TABLES for t in usable[name])),
        skipped=inv.skipped,
    )
