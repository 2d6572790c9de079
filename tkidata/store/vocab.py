"""Controlled vocabularies: drugs and colours, histologies, AE terms, synonyms, meta-analyses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from tkidata.store.errors import DataValidationError, Problem
from tkidata.store.reading import RawTable, read_csv_strict

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"

VOCAB_FILES: dict[str, tuple[str, ...]] = {
    "drugs": ("drug", "label", "colour", "role"),
    "histology": ("code", "label", "group"),
    "ae_terms": ("term", "soc"),
    "ae_synonyms": ("reported", "term"),
    "meta_analyses": ("source_id", "drug", "citation", "doi", "location_of_included_list"),
}
"""Each vocabulary file and its exact columns."""

_KEYS = {
    "drugs": "drug",
    "histology": "code",
    "ae_terms": "term",
    "ae_synonyms": "reported",
    "meta_analyses": "source_id",
}
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_CODE = re.compile(r"^[a-z0-9_]+$")
GROUPS = ("sts", "bone")
"""Histology groups of single subtypes."""


@dataclass(frozen=True, eq=False)
class Vocab:
    """The controlled vocabularies, one DataFrame per file (CSV column names).

    Attributes
    ----------
    drugs, histology, ae_terms, ae_synonyms, meta_analyses : pandas.DataFrame
        The vocabulary tables; duplicate identical rows appended by curators are collapsed.
    """

    drugs: pd.DataFrame
    histology: pd.DataFrame
    ae_terms: pd.DataFrame
    ae_synonyms: pd.DataFrame
    meta_analyses: pd.DataFrame

    @property
    def drug_colours(self) -> dict[str, str]:
        """Drug id → hex colour (the one colour map used everywhere)."""
        return dict(zip(self.drugs["drug"], self.drugs["colour"], strict=True))

    @property
    def drug_labels(self) -> dict[str, str]:
        """Drug id → display label."""
        return dict(zip(self.drugs["drug"], self.drugs["label"], strict=True))

    @cached_property
    def tki_drugs(self) -> tuple[str, ...]:
        """The drugs that are compared (role ``tki``), in vocabulary order."""
        return tuple(self.drugs.loc[self.drugs["role"] == "tki", "drug"])

    @cached_property
    def _groups(self) -> dict[str, str]:
        codes, groups = self.histology["code"], self.histology["group"]
        return {str(c): str(g) for c, g in zip(codes, groups, strict=True)}

    @cached_property
    def populations(self) -> frozenset[str]:
        """Valid population values: ``all``, ``sts``, ``bone`` and every histology code."""
        return frozenset({"all", *GROUPS, *self.histology["code"]})

    def histology_group(self, code: str) -> str | None:
        """Return ``sts``/``bone`` for a histology code (or a group name), None if unknown."""
        if code in GROUPS:
            return code
        return self._groups.get(code)

    def soc(self, term: str) -> str | None:
        """System organ class of a CTCAE term, None if the term is not in the vocabulary."""
        return self._socs.get(term)

    @cached_property
    def _socs(self) -> dict[object, str]:
        socs: dict[object, str] = {}
        for term, soc in zip(self.ae_terms["term"], self.ae_terms["soc"], strict=True):
            socs.setdefault(term, str(soc))
        return socs

    def term_for(self, reported: str) -> str | None:
        """Map reported AE wording to its CTCAE term (exact term or lower-case synonym)."""
        if reported in set(self.ae_terms["term"]):
            return reported
        hit = self.ae_synonyms.loc[self.ae_synonyms["reported"] == reported.strip().lower(), "term"]
        return str(hit.iloc[0]) if len(hit) else None


def _frame(table: RawTable, name: str, problems: list[Problem]) -> pd.DataFrame:
    """Vocabulary rows indexed by line number, identical duplicate rows collapsed."""
    expected = VOCAB_FILES[name]
    for col in expected:
        if col not in table.header:
            problems.append(Problem(table.shown, 1, col, "missing column"))
    for col in table.header:
        if col not in expected:
            problems.append(Problem(table.shown, 1, col, "unknown column"))
    records = [{col: row.get(col, "") for col in expected} for row in table.rows]
    frame = pd.DataFrame(records, columns=list(expected), dtype=object)
    frame.index = pd.Index(table.lines, name="line")
    frame = frame.drop_duplicates()
    for line, row in frame.iterrows():
        for col in expected:
            optional = name == "meta_analyses" and col == "doi"
            if row[col] == "" and not optional:
                problems.append(Problem(table.shown, int(line), col, "empty value"))
    key = _KEYS[name]
    for line in frame.index[frame.duplicated(subset=[key], keep=False)]:
        msg = f"'{frame.at[line, key]}' is defined twice with different values"
        problems.append(Problem(table.shown, int(line), key, msg))
    return frame


def _check_values(tables: dict[str, pd.DataFrame], raw: dict[str, RawTable]) -> list[Problem]:
    problems: list[Problem] = []

    def flag(name: str, mask: pd.Series, col: str, text: str) -> None:
        frame = tables[name]
        for line in frame.index[mask]:
            msg = f"'{frame.at[line, col]}' {text}"
            problems.append(Problem(raw[name].shown, int(line), col, msg))

    drugs = tables["drugs"]
    flag("drugs", ~drugs["colour"].str.match(_HEX), "colour", "is not a #RRGGBB colour")
    flag("drugs", ~drugs["role"].isin(["tki", "comparator"]), "role", "is not tki or comparator")
    flag("drugs", ~drugs["drug"].str.match(_CODE), "drug", "is not a lower-case id")
    hist = tables["histology"]
    flag("histology", ~hist["group"].isin(GROUPS), "group", "is not sts or bone")
    flag("histology", ~hist["code"].str.match(_CODE), "code", "is not a lower-case id")
    clash = hist["code"].isin(["all", *GROUPS])
    flag("histology", clash, "code", "is reserved for populations")
    syn = tables["ae_synonyms"]
    flag(
        "ae_synonyms", ~syn["term"].isin(tables["ae_terms"]["term"]), "term", "not in ae_terms.csv"
    )
    flag(
        "ae_synonyms", syn["reported"] != syn["reported"].str.lower(), "reported", "not lower-case"
    )
    meta = tables["meta_analyses"]
    flag("meta_analyses", ~meta["drug"].isin(drugs["drug"]), "drug", "not in drugs.csv")
    flag(
        "meta_analyses", ~meta["source_id"].str.match(_CODE), "source_id", "is not a lower-case id"
    )
    return problems


def histology_rows(vocab_dir: Path | None = None) -> list[dict[str, str]]:
    """The rows of ``histology.csv`` (``code``, ``label``, ``group``) in file order, read alone.

    For labels and menus made at import time: a millisecond, where :func:`load_vocab` (which
    checks every vocabulary file) takes a tenth of a second. Rows missing a code or label are
    left out, and a code repeated keeps its first row; :func:`load_vocab`, run by every data
    load, reports both.
    """
    folder = Path(vocab_dir) if vocab_dir is not None else VOCAB_DIR
    table, _ = read_csv_strict(folder / "histology.csv")
    rows = table.rows if table is not None else []
    first: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.get("code") and row.get("label"):
            first.setdefault(row["code"], dict(row))
    return list(first.values())


def load_vocab(vocab_dir: Path | None = None) -> Vocab:
    """Read and check the vocabulary files.

    Parameters
    ----------
    vocab_dir : Path, optional
        Folder holding the five vocabulary CSV files; defaults to ``tkidata/vocab``.

    Returns
    -------
    Vocab

    Raises
    ------
    DataValidationError
        If a file is missing or malformed, or a value breaks a vocabulary rule.
    """
    folder = Path(vocab_dir) if vocab_dir is not None else VOCAB_DIR
    problems: list[Problem] = []
    raw: dict[str, RawTable] = {}
    for name in VOCAB_FILES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            problems.append(Problem(str(path), 1, "(file)", "vocabulary file is missing"))
            continue
        table, read_problems = read_csv_strict(path)
        problems += read_problems
        if table is not None:
            raw[name] = table
    if problems:
        raise DataValidationError(problems)
    tables = {name: _frame(raw[name], name, problems) for name in VOCAB_FILES}
    if problems:
        raise DataValidationError(problems)
    problems += _check_values(tables, raw)
    if problems:
        raise DataValidationError(problems)
    return Vocab(**{name: frame.reset_index(drop=True) for name, frame in tables.items()})
