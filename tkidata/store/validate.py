"""Turn raw CSV tables into typed DataFrames and collect every validation problem.

Row-level rules come from the pandera models in :mod:`tkidata.store.schema`; this module adds value
parsing, vocabulary membership and the cross-table rules (known ids, overlaps, duplicates).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import pandas as pd

from tkidata.store.codes import (
    HR_OUTCOMES,
    LINE_RANGES,
    MEDIAN_OUTCOMES,
    PROPORTION_OUTCOMES,
    RATE_OUTCOMES,
    SECONDARY_LEVELS,
)
from tkidata.store.errors import Problem, shown_value
from tkidata.store.reading import RawTable
from tkidata.store.rob_rules import DOMAINS, judgements_by_outcome, rob2_overall, trial_names
from tkidata.store.vocab import Vocab

TABLES = (
    "studies",
    "outcomes",
    "adverse_events",
    "published",
    "searches",
    "records",
    "included_studies",
    "comparisons",
    "risk_of_bias",
    "guidelines",
)
"""The table files a batch folder may hold, in load order."""

DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "outcomes": (
        "study_id",
        "population",
        "subgroup_line",
        "outcome",
        "timepoint_months",
        "assessment",
        "assessment_week",
    ),
    "adverse_events": ("study_id", "term", "grade"),
    "searches": ("search_id",),
    "records": ("record_id",),
    "included_studies": ("source_id", "label"),
    "comparisons": (
        "trial",
        "study_id",
        "population",
        "subgroup_line",
        "review",
        "outcome",
        "experimental",
        "anchor",
    ),
    "risk_of_bias": ("trial", "outcome", "domain"),
    "guidelines": ("drug", "histology", "line", "regimen", "body", "version"),
    "published": (
        "source_id",
        "drug",
        "outcome",
        "population",
        "timepoint_months",
        "term",
        "grade",
    ),
}
"""Columns that identify one fact; the same key twice is a duplicate fact."""

OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"studies": ("non_sarcoma", "possible_overlaps")}
"""Columns a batch's header may leave out (read as empty in every row): they apply to few arms."""

_FORMAT_HINTS = {
    "study_id": "use lower-case letters, digits and _",
    "control_study_id": "use lower-case letters, digits and _",
    "experimental": "a drug, or drugs joined by + (anlotinib+epirubicin), lower-case",
    "anchor": "a drug, or drugs joined by + (placebo+epirubicin), lower-case",
    "p_value": "as stated, e.g. <0.0001, 0.017 or =0.25",
    "source_id": "use lower-case letters, digits and _",
    "doi": "bare DOI such as 10.1158/1078-0432.CCR-17-3766 (no https://doi.org/)",
    "pmid": "digits only",
    "registration": "registry ids separated by ; without spaces",
    "subtypes": "histology codes separated by ; without spaces",
    "overlaps_with": "study_ids separated by ; without spaces",
    "possible_overlaps": "study_ids separated by ; without spaces",
    "included_in": "meta-analysis ids separated by ; without spaces",
    "source_url": "a full http(s) address",
}


@dataclass(frozen=True)
class Located:
    """A typed table plus the file and line of every row (aligned by position)."""

    frame: pd.DataFrame
    paths: tuple[str, ...]
    lines: tuple[int, ...]
    raw: tuple[dict[str, str], ...]
    unparsed: frozenset[tuple[int, str]] = frozenset()

    def where(self, pos: int) -> tuple[str, int]:
        """File and line of the row at position ``pos``."""
        return self.paths[pos], self.lines[pos]


def _schema() -> ModuleType:
    """The pandera table models (:mod:`tkidata.store.schema`), imported when data are validated.

    pandera takes a tenth of a second to import, and a server answering from its disk cache
    never validates: importing this module must not load it.
    """
    from tkidata.store import schema

    return schema


def split_list(cell: object) -> list[str]:
    """Split a ``;``-list cell into its items (empty or missing → [])."""
    if not isinstance(cell, str) or not cell:
        return []
    return [item for item in cell.split(";") if item]


@dataclass(frozen=True)
class Bound:
    """The plausible range of a numeric column (inclusive), and what the numbers are."""

    low: float
    high: float
    unit: str


_PATIENTS = Bound(1, 100_000, "patients in one study arm")
_COUNT = Bound(0, 100_000, "patients in one study arm")
_FRACTION = Bound(0, 1, "a fraction")

BOUNDS: dict[tuple[str, str], Bound] = {
    ("studies", "year"): Bound(1990, 2100, "publication year"),
    ("studies", "n_enrolled"): _PATIENTS,
    ("studies", "n_evaluable"): _PATIENTS,
    ("studies", "n_safety"): _PATIENTS,
    ("outcomes", "timepoint_months"): Bound(3, 24, "months (3, 6, 9, 12 or 24)"),
    ("outcomes", "assessment_week"): Bound(1, 520, "weeks (ten years)"),
    ("outcomes", "events"): _COUNT,
    ("outcomes", "n"): _PATIENTS,
    ("adverse_events", "events"): _COUNT,
    ("adverse_events", "n"): _PATIENTS,
    ("adverse_events", "pct"): _FRACTION,
    ("published", "timepoint_months"): Bound(3, 24, "months (3, 6, 9, 12 or 24)"),
    ("published", "k"): Bound(1, 1_000, "studies in one pooled analysis"),
    ("published", "n_patients"): Bound(1, 1_000_000, "patients in one pooled analysis"),
    ("published", "i2"): Bound(0, 100, "percent"),
    ("searches", "results"): Bound(0, 1_000, "results of one query"),
    ("comparisons", "n_experimental"): _PATIENTS,
    ("comparisons", "n_control"): _PATIENTS,
}
"""Plausible range of every numeric column whose unit does not depend on the outcome."""

ESTIMATE_BOUNDS: dict[str, Bound] = {
    "median": Bound(0, 240, "months (twenty years)"),
    "fraction": _FRACTION,
    "hr": Bound(0.01, 100, "a hazard ratio"),
}
"""Plausible range of ``estimate``, ``ci_low`` and ``ci_high`` by the kind of outcome."""

ESTIMATE_COLUMNS = ("estimate", "ci_low", "ci_high")
HR_COLUMNS = ("hr", "ci_low", "ci_high")
"""The hazard-ratio cells of ``comparisons.csv`` (bounded as hazard ratios)."""


def estimate_kind(outcome: str) -> str | None:
    """``median``, ``fraction`` or ``hr`` for an outcome code (None when unknown)."""
    if outcome in MEDIAN_OUTCOMES:
        return "median"
    if outcome in HR_OUTCOMES:
        return "hr"
    if outcome in (*PROPORTION_OUTCOMES, *RATE_OUTCOMES, "ae"):
        return "fraction"
    return None


@cache
def schema_sides(table: str, column: str) -> tuple[bool, bool]:
    """Whether the pandera model already checks the lower and the upper end of a column."""
    col = _schema().MODELS[table].to_schema().columns[column]
    names = {check.name for check in col.checks}
    low = bool(names & {"greater_than", "greater_than_or_equal_to", "isin"})
    high = bool(names & {"less_than", "less_than_or_equal_to", "isin"})
    return low, high


def bound_for(table: str, column: str, outcome: str) -> tuple[Bound | None, tuple[bool, bool]]:
    """The bound of one cell and which of its ends this module checks (the schema does the rest).

    A fraction's upper end is the schema's ``proportion_in_unit`` rule.
    """
    if table == "comparisons" and column in HR_COLUMNS:
        return ESTIMATE_BOUNDS["hr"], (True, True)
    if column in ESTIMATE_COLUMNS and table in ("outcomes", "published"):
        kind = estimate_kind(outcome)
        if kind is None:
            return None, (False, False)
        low, high = schema_sides(table, column)
        bound = ESTIMATE_BOUNDS[kind]
        return bound, (not low or bound.low > 0, kind != "fraction")
    bound = BOUNDS.get((table, column))
    if bound is None:
        return None, (False, False)
    low, high = schema_sides(table, column)
    return bound, (not low, not high)


def _number_text(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _out_of_bounds(table: str, column: str, value: float, row: dict[str, str]) -> str | None:
    bound, (check_low, check_high) = bound_for(table, column, row.get("outcome", ""))
    if bound is None:
        return None
    if check_high and value > bound.high:
        return (
            f"{shown_value(_number_text(value))} is above the plausible maximum "
            f"{_number_text(bound.high)} ({bound.unit})"
        )
    if check_low and value < bound.low:
        return (
            f"{shown_value(_number_text(value))} is below the plausible minimum "
            f"{_number_text(bound.low)} ({bound.unit})"
        )
    return None


_LARGEST_INT = 10**15
"""Integers beyond this are never plausible and would not fit the table's integer type."""


_C0_NAMES = (
    *("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR"),
    *("SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB"),
    *("ESC", "FS", "GS", "RS", "US"),
)


def _control_character(text: str) -> str | None:
    for ch in text:
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r":
            code = ord(ch)
            name = _C0_NAMES[code] if code < len(_C0_NAMES) else "DEL" if code == 127 else "C1"
            return f"contains a control character (U+{code:04X} {name}): remove it"
    return None


def _parse(kind: str, text: str) -> tuple[object, str | None]:
    """Parse one cell; returns (value, problem or None). Empty text is missing (None)."""
    if text == "":
        return None, None
    control = _control_character(text)
    if control:
        return None, control
    shown = shown_value(text)
    if kind == "int":
        if re.fullmatch(r"-?\d+", text.strip()) and text == text.strip():
            if len(text) > 16 or abs(int(text)) > _LARGEST_INT:
                return None, f"'{shown}' is far too large"
            return int(text), None
        return None, f"'{shown}' is not an integer"
    if kind == "float":
        try:
            value = float(text)
        except ValueError:
            return None, f"'{shown}' is not a number"
        if not math.isfinite(value) or text != text.strip():
            return None, f"'{shown}' is not a number"
        return value, None
    if kind == "bool":
        if text in ("true", "false"):
            return text == "true", None
        return None, f"'{shown}' is not true or false"
    return text, None


def check_header(table: RawTable, name: str) -> list[Problem]:
    """Exact column set: every schema column present, no unknown column.

    More than a few unknown columns are reported on one line (a wrong file, not typos).
    """
    expected = _schema().columns(name)
    optional = OPTIONAL_COLUMNS.get(name, ())
    problems = [
        Problem(table.shown, 1, col, "missing column")
        for col in expected
        if col not in table.header and col not in optional
    ]
    unknown = [col for col in table.header if col not in expected]
    allowed = f"(allowed: {', '.join(expected)})"
    if len(unknown) > 3:
        names = ", ".join(f"'{shown_value(c)}'" for c in unknown[:3])
        msg = f"{len(unknown):,} unknown columns ({names}, …) {allowed}"
        return [*problems, Problem(table.shown, 1, "(header)", msg)]
    problems += [
        Problem(table.shown, 1, shown_value(col), f"unknown column {allowed}") for col in unknown
    ]
    return problems


def typed_table(name: str, tables: list[RawTable]) -> tuple[Located, list[Problem]]:
    """Concatenate the raw files of one table and parse every cell to its column type."""
    kinds = _schema().columns(name)
    values: dict[str, list[object]] = {col: [] for col in kinds}
    paths: list[str] = []
    lines: list[int] = []
    raws: list[dict[str, str]] = []
    problems: list[Problem] = []
    unparsed: set[tuple[int, str]] = set()
    for table in tables:
        for row, line in zip(table.rows, table.lines, strict=True):
            for col, kind in kinds.items():
                value, problem = _parse(kind, row.get(col, ""))
                if value is not None and kind in ("int", "float"):
                    problem = _out_of_bounds(name, col, value, row)  # type: ignore[arg-type]
                    value = None if problem else value
                if problem:
                    problems.append(Problem(table.shown, line, col, problem))
                    unparsed.add((len(paths), col))
                values[col].append(value)
            paths.append(table.shown)
            lines.append(line)
            raws.append(row)
    dtypes = {"int": "Int64", "float": "Float64", "bool": "boolean", "str": "str"}
    frame = pd.DataFrame(
        {col: pd.array(values[col], dtype=dtypes[kind]) for col, kind in kinds.items()},
        index=pd.RangeIndex(len(paths)),
    )
    return Located(frame, tuple(paths), tuple(lines), tuple(raws), frozenset(unparsed)), problems


def _column_problem(check: str, column: str, value: object) -> str:
    if check == "not_nullable":
        return "required value is empty"
    if check.startswith("isin("):
        allowed = re.findall(r"'([^']*)'|(\d+)", check)
        shown = ", ".join(a or b for a, b in allowed)
        return f"'{value}' is not allowed (one of: {shown})"
    if check.startswith("str_matches("):
        return f"'{value}' has the wrong format: {_FORMAT_HINTS.get(column, check)}"
    bounds = {
        "greater_than(": "must be >",
        "greater_than_or_equal_to(": "must be >=",
        "less_than_or_equal_to(": "must be <=",
    }
    for prefix, words in bounds.items():
        if check.startswith(prefix):
            limit = check[len(prefix) : -1]
            return f"{words} {limit} (got {value})"
    return f"{value!r} fails {check}"


def schema_problems(name: str, table: Located) -> list[Problem]:
    """Run the pandera model of ``name`` and turn its failure cases into problems.

    Cells already reported as unparseable or implausible (``table.unparsed``) are not reported
    again as empty, nor by a row rule blaming that cell.
    """
    from pandera.errors import SchemaErrors  # with the models: see _schema

    try:
        _schema().MODELS[name].validate(table.frame, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases
    else:
        return []
    problems: list[Problem] = []
    row_rules = cases[cases["check"].isin(list(_schema().ROW_RULES))]
    for (check, index), _ in row_rules.groupby(["check", "index"], sort=False):
        column, text = _schema().ROW_RULES[str(check)]
        if (int(index), column) in table.unparsed:
            continue  # the cell itself was refused: its rule would report it again as empty
        row = table.frame.loc[int(index)]
        problems.append(Problem(*table.where(int(index)), column, text(row)))
    for case in cases[~cases["check"].isin(list(_schema().ROW_RULES))].itertuples():
        if pd.isna(case.index):
            problems.append(Problem("(schema)", 1, str(case.column), str(case.check)))
            continue
        if (int(case.index), str(case.column)) in table.unparsed and case.check == "not_nullable":
            continue
        message = _column_problem(str(case.check), str(case.column), case.failure_case)
        problems.append(Problem(*table.where(int(case.index)), str(case.column), message))
    return problems


def _flag(table: Located, mask: pd.Series, column: str, message: str) -> list[Problem]:
    frame = table.frame
    return [
        Problem(*table.where(int(i)), column, message.format(value=frame.at[i, column]))
        for i in frame.index[mask.fillna(False).astype(bool)]
    ]


def _duplicates(table: Located, name: str) -> list[Problem]:
    keys = list(DUPLICATE_KEYS[name])
    frame = table.frame
    dup = frame.duplicated(subset=keys, keep=False)
    problems = []
    by = keys if len(keys) > 1 else keys[0]
    groups = frame[dup].groupby(by, dropna=False, sort=False).groups
    for members in groups.values():
        first = table.where(int(members[0]))
        for i in members[1:]:
            msg = f"duplicate fact: same {', '.join(keys)} as line {first[1]} of {first[0]}"
            problems.append(Problem(*table.where(int(i)), keys[0], msg))
    return problems


def _true(value: object) -> bool:
    return bool(value) if pd.notna(value) else False


def _stated_decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _disagreement(table: Located, value_col: str, what: str) -> list[Problem]:
    """Warn where a stated proportion disagrees with events/n by more than its rounding."""
    frame = table.frame
    warnings = []
    for i in frame.index:
        events, n, stated = frame.at[i, "events"], frame.at[i, "n"], frame.at[i, value_col]
        if pd.isna(events) or pd.isna(n) or pd.isna(stated) or n == 0:
            continue
        decimals = _stated_decimals(table.raw[i][value_col].lower().split("e")[0])
        tolerance = 0.5 * 10.0 ** (-decimals) + 1e-9
        if abs(events / n - stated) > tolerance:
            msg = (
                f"stated {what} {stated} disagrees with events/n = {events}/{n} = "
                f"{events / n:.4f} by more than rounding"
            )
            warnings.append(Problem(*table.where(int(i)), value_col, msg))
    return warnings


def _analysis_n_mismatch(table: Located) -> list[Problem]:
    """Warn where an arm's median and landmark rates of one survival outcome carry different n.

    One Kaplan-Meier analysis gives a median and its landmark rates, so their n is the same
    population (e.g. a per-protocol median PFS given the intention-to-treat n would differ from
    the per-protocol rates). Line subgroups are compared only with rows of the same subgroup.
    """
    frame = table.frame
    warnings = []
    pairs = (("pfs_median", "pfs_rate"), ("os_median", "os_rate"))
    keys = ["study_id", "population", "subgroup_line"]
    for median, rate in pairs:
        rates = frame[(frame["outcome"] == rate) & frame["n"].notna()]
        seen = {
            tuple(None if pd.isna(v) else v for v in key): set(group["n"])
            for key, group in rates.groupby(keys, dropna=False)
        }
        for i in frame.index[(frame["outcome"] == median) & frame["n"].notna()]:
            key = tuple(None if pd.isna(frame.at[i, k]) else frame.at[i, k] for k in keys)
            ns = seen.get(key, set())
            if ns and frame.at[i, "n"] not in ns:
                shown = ", ".join(str(int(n)) for n in sorted(ns))
                msg = (
                    f"{median} n = {int(frame.at[i, 'n'])} but this arm's {rate} rows have n = "
                    f"{shown}: one survival analysis gives both (which population is the median "
                    "from?)"
                )
                warnings.append(Problem(*table.where(int(i)), "n", msg))
    return warnings


def cross_problems(
    tables: dict[str, Located], vocab: Vocab, *, complete_ids: bool = True
) -> tuple[list[Problem], list[Problem]]:
    """Vocabulary and cross-table rules.

    Parameters
    ----------
    tables : dict
        Table name -> typed table.
    vocab : Vocab
    complete_ids : bool
        False when a studies file could not be used: references to study ids are then not
        checked (each would be reported as unknown, burying the root problem).

    Returns
    -------
    errors, warnings : list of Problem
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    studies = tables["studies"]
    st = studies.frame
    drugs = set(vocab.drugs["drug"])
    codes = set(vocab.histology["code"])
    populations = vocab.populations
    sources = set(vocab.meta_analyses["source_id"])
    terms = set(vocab.ae_terms["term"])

    errors += _flag(studies, ~st["drug"].isin(drugs), "drug", "'{value}' not in vocab/drugs.csv")
    first_seen: dict[str, int] = {}
    for i, sid in st["study_id"].items():
        if pd.isna(sid):
            continue
        if sid in first_seen:
            path, line = studies.where(first_seen[sid])
            msg = f"'{sid}' is not unique (also {path}:{line})"
            errors.append(Problem(*studies.where(int(i)), "study_id", msg))
        else:
            first_seen[sid] = int(i)
    known = set(first_seen)
    by_id = st.drop_duplicates("study_id").set_index("study_id")
    overlaps = {sid: set(split_list(cell)) for sid, cell in by_id["overlaps_with"].items()}
    possible = {sid: set(split_list(cell)) for sid, cell in by_id["possible_overlaps"].items()}
    for i, row in st.iterrows():
        where = studies.where(int(i))
        for code in split_list(row["subtypes"]):
            group = vocab.histology_group(code)
            if code not in codes:
                errors.append(Problem(*where, "subtypes", f"'{code}' not in vocab/histology.csv"))
            elif row["histology_group"] in ("sts", "bone") and group != row["histology_group"]:
                msg = (
                    f"'{code}' is a {group} subtype but histology_group is {row['histology_group']}"
                )
                errors.append(Problem(*where, "subtypes", msg))
        for source in split_list(row["included_in"]):
            if source not in sources:
                msg = f"'{source}' not in vocab/meta_analyses.csv"
                errors.append(Problem(*where, "included_in", msg))
        sid = row["study_id"]
        for other in split_list(row["overlaps_with"]):
            if other == sid:
                errors.append(Problem(*where, "overlaps_with", "a study cannot overlap itself"))
            elif other not in known:
                errors.append(Problem(*where, "overlaps_with", f"unknown study_id '{other}'"))
            elif sid not in overlaps.get(other, set()):
                msg = f"'{other}' does not list '{sid}' back (declare overlaps both ways)"
                errors.append(Problem(*where, "overlaps_with", msg))
            elif _true(row["preferred"]) and _true(by_id.at[other, "preferred"]):
                msg = f"overlaps with '{other}' and both are preferred=true (prefer one)"
                errors.append(Problem(*where, "preferred", msg))
            else:
                # A study set is pooled as published, preferred or not, so two overlapping
                # reports in one set would be pooled together.
                shared = set(split_list(row["included_in"])) & set(
                    split_list(by_id.at[other, "included_in"])
                )
                for source in sorted(shared):
                    msg = f"overlaps with '{other}' and both are in study set {source}"
                    errors.append(Problem(*where, "included_in", msg))
        for other in split_list(row["possible_overlaps"]):
            if other == sid or other not in known:
                what = "the study itself" if other == sid else f"unknown study_id '{other}'"
                errors.append(Problem(*where, "possible_overlaps", what))
            elif other in overlaps.get(sid, set()):
                msg = f"'{other}' is already in overlaps_with (declared overlaps are not possible)"
                errors.append(Problem(*where, "possible_overlaps", msg))
            elif sid not in possible.get(other, set()):
                msg = f"'{other}' does not list '{sid}' back (list possible overlaps both ways)"
                errors.append(Problem(*where, "possible_overlaps", msg))
        identifiers = ("doi", "pmid", "registration", "source_url")
        untraceable = all(pd.isna(row[column]) for column in identifiers)
        if untraceable and row["extraction_level"] not in SECONDARY_LEVELS:
            msg = "no doi, pmid, registration or source_url: add one, or use secondary"
            warnings.append(Problem(*where, "doi", msg))
        if pd.notna(row["preferred"]) and not row["preferred"] and not overlaps.get(sid):
            msg = "preferred=false but overlaps_with is empty (which report replaces it?)"
            warnings.append(Problem(*where, "preferred", msg))
        if isinstance(row["line"], str) and pd.isna(row["line_reported"]):
            msg = "line is set but line_reported is empty (keep the source's wording)"
            warnings.append(Problem(*where, "line_reported", msg))

    outcomes = tables["outcomes"]
    oc = outcomes.frame
    errors += _flag(outcomes, ~oc["study_id"].isin(known), "study_id", "unknown study_id '{value}'")
    errors += _flag(
        outcomes, ~oc["population"].isin(populations), "population", "'{value}' is not a population"
    )
    groups = oc["study_id"].map(by_id["histology_group"])
    pop_group = oc["population"].map(lambda p: vocab.histology_group(p) if p != "all" else None)
    clash = groups.isin(["sts", "bone"]) & pop_group.notna() & (pop_group != groups)
    errors += _flag(outcomes, clash, "population", "'{value}' does not belong to this arm's group")
    arm_line = oc["study_id"].map(by_id["line"])
    outside = [
        sub in LINE_RANGES
        and line in LINE_RANGES
        and not (
            LINE_RANGES[line][0] <= LINE_RANGES[sub][0]
            and LINE_RANGES[sub][1] <= LINE_RANGES[line][1]
        )
        for sub, line in zip(oc["subgroup_line"], arm_line, strict=True)
    ]
    errors += _flag(
        outcomes,
        pd.Series(outside, index=oc.index),
        "subgroup_line",
        "'{value}' lies outside the line range the arm enrolled",
    )
    errors += _duplicates(outcomes, "outcomes")
    warnings += _analysis_n_mismatch(outcomes)
    proportions = oc["outcome"].isin(PROPORTION_OUTCOMES)
    stated = Located(oc[proportions], outcomes.paths, outcomes.lines, outcomes.raw)
    warnings += _disagreement(stated, "estimate", "proportion")

    aes = tables["adverse_events"]
    ae = aes.frame
    errors += _flag(aes, ~ae["study_id"].isin(known), "study_id", "unknown study_id '{value}'")
    errors += _flag(aes, ~ae["term"].isin(terms), "term", "'{value}' not in vocab/ae_terms.csv")
    errors += _duplicates(aes, "adverse_events")
    for i, row in ae.iterrows():
        mapped = vocab.term_for(str(row["term_reported"]))
        if mapped is not None and row["term"] in terms and mapped != row["term"]:
            msg = f"vocab/ae_synonyms.csv maps '{row['term_reported']}' to '{mapped}', not here"
            warnings.append(Problem(*aes.where(int(i)), "term", msg))
    warnings += _disagreement(aes, "pct", "pct")

    pub = tables["published"]
    pb = pub.frame
    errors += _flag(pub, ~pb["source_id"].isin(sources), "source_id", "'{value}' not in vocab")
    errors += _flag(pub, ~pb["drug"].isin(drugs), "drug", "'{value}' not in vocab/drugs.csv")
    errors += _flag(
        pub, ~pb["population"].isin(populations), "population", "'{value}' is not a population"
    )
    errors += _flag(
        pub, pb["term"].notna() & ~pb["term"].isin(terms), "term", "'{value}' not in vocab"
    )
    errors += _duplicates(pub, "published")
    e, w = _search_problems(tables, vocab, known)
    errors += e
    warnings += w
    e, w = comparison_problems(tables["comparisons"], by_id, vocab)
    errors += e
    errors += standing_problems(tables, vocab)
    if not complete_ids:
        errors = [p for p in errors if not p.message.startswith("unknown study_id")]
    return errors, warnings + w


def _search_problems(
    tables: dict[str, Located], vocab: Vocab, known: set[str]
) -> tuple[list[Problem], list[Problem]]:
    """The search log: known drugs, searches and studies; every included study was found."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    drugs = set(vocab.tki_drugs)
    searches, records, included = tables["searches"], tables["records"], tables["included_studies"]
    sr, rc, inc = searches.frame, records.frame, included.frame
    errors += _flag(searches, ~sr["drug"].isin(drugs), "drug", "'{value}' is not a compared drug")
    errors += _flag(records, ~rc["drug"].isin(drugs), "drug", "'{value}' is not a compared drug")
    errors += _duplicates(searches, "searches")
    errors += _duplicates(records, "records")
    search_ids = set(sr["search_id"].dropna())
    record_ids = set(rc["record_id"].dropna())
    for i, row in rc.iterrows():
        where = records.where(int(i))
        for sid in split_list(row["search_ids"]):
            if sid not in search_ids:
                errors.append(Problem(*where, "search_ids", f"unknown search_id '{sid}'"))
        for study in split_list(row["study_ids"]):
            if study not in known:
                errors.append(Problem(*where, "study_ids", f"unknown study_id '{study}'"))
        dup = row["duplicate_of"]
        if isinstance(dup, str) and dup not in record_ids:
            errors.append(Problem(*where, "duplicate_of", f"unknown record_id '{dup}'"))
    sources = set(vocab.meta_analyses["source_id"])
    errors += _flag(
        included, ~inc["source_id"].isin(sources), "source_id", "'{value}' not in vocab"
    )
    errors += _flag(
        included,
        inc["study_id"].notna() & ~inc["study_id"].isin(known),
        "study_id",
        "unknown study_id '{value}'",
    )
    errors += _duplicates(included, "included_studies")
    logged = {s for cell in rc["study_ids"] for s in split_list(cell)}
    studies = tables["studies"].frame
    searched = set(sr["drug"].dropna())
    for i, row in studies.iterrows():
        if row["drug"] in searched and row["study_id"] not in logged:
            msg = f"'{row['study_id']}' is not a record of the {row['drug']} search log"
            warnings.append(Problem(*tables["studies"].where(int(i)), "study_id", msg))
    return errors, warnings


_LINE_WORDS = re.compile(
    r"(\b(1st|2nd|3rd|first|second|third|later)|(>=|≥)\s*2nd)[- ]line\b|\bline subgroup",
    re.IGNORECASE,
)
"""A ``location`` that names a treatment line: the row reports a line subgroup."""

COMPARISON_KEY = ("trial", "population", "subgroup_line", "outcome", "experimental", "anchor")
"""One comparison of one trial: exactly one report (row) of it may be ``preferred``."""


def _within(sub: object, whole: object) -> bool | None:
    """Whether line range ``sub`` lies inside ``whole`` (None when either is unknown)."""
    if sub not in LINE_RANGES or whole not in LINE_RANGES:
        return None
    (a, b), (c, d) = LINE_RANGES[str(sub)], LINE_RANGES[str(whole)]
    return c <= a and b <= d


def comparison_problems(
    table: Located, by_id: pd.DataFrame, vocab: Vocab
) -> tuple[list[Problem], list[Problem]]:
    """Rules of ``comparisons.csv``, the randomised comparisons.

    Both arms exist, are randomised arms of the row's trial and differ; the experimental node
    starts with the arm's drug; a control that is not plain placebo (another drug, or placebo
    given with a chemotherapy) is never anchored at ``placebo`` and never called placebo; a
    "same drug alone" control is the experimental drug itself; a line subgroup carries its
    ``subgroup_line`` (a location naming a line needs one; a subgroup lies strictly inside the
    arm's line range); ``maintenance`` is the setting of exactly the maintenance arms; one fact
    per key; one preferred report per trial × population × line × outcome × comparison.

    Returns
    -------
    errors, warnings : list of Problem
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    frame = table.frame
    known = set(by_id.index)
    errors += _flag(table, ~frame["study_id"].isin(known), "study_id", "unknown study_id '{value}'")
    errors += _flag(
        table,
        ~frame["control_study_id"].isin(known),
        "control_study_id",
        "unknown study_id '{value}'",
    )
    errors += _flag(
        table,
        ~frame["population"].isin(vocab.populations),
        "population",
        "'{value}' is not a population",
    )
    for i, row in frame.iterrows():
        where = table.where(int(i))
        sid, cid = row["study_id"], row["control_study_id"]
        if sid not in known or cid not in known:
            continue
        arm, ctrl = by_id.loc[sid], by_id.loc[cid]
        if cid == sid:
            errors.append(Problem(*where, "control_study_id", "is the experimental arm itself"))
            continue
        for column, other in (("study_id", arm), ("control_study_id", ctrl)):
            if other["design"] != "rct_arm":
                msg = f"'{row[column]}' is a {other['design']} arm, not a randomised arm"
                errors.append(Problem(*where, column, msg))
            elif other["trial"] != row["trial"]:
                msg = f"'{row[column]}' is an arm of trial '{other['trial']}', not '{row['trial']}'"
                errors.append(Problem(*where, column, msg))
        node = str(row["experimental"]).split("+")
        if node[0] != arm["drug"]:
            msg = f"'{row['experimental']}' must start with the arm's drug '{arm['drug']}'"
            errors.append(Problem(*where, "experimental", msg))
        active_control = ctrl["drug"] != "placebo" or pd.notna(ctrl["partner_treatment"])
        if active_control and row["anchor"] == "placebo":
            given = ctrl["drug"]
            if given == "placebo":
                given = f"placebo + {ctrl['partner_treatment']}"
            msg = (
                f"control arm '{cid}' is {given}, not placebo alone: anchor 'placebo' would "
                "label it 'vs placebo'"
            )
            errors.append(Problem(*where, "anchor", msg))
        if active_control and row["control"] == "placebo":
            msg = f"control arm '{cid}' is not placebo alone ({ctrl['drug']}): name its treatment"
            errors.append(Problem(*where, "control", msg))
        if row["control"] == "same drug alone" and (
            ctrl["drug"] != arm["drug"] or row["anchor"] != arm["drug"]
        ):
            msg = f"'same drug alone' needs a {arm['drug']} control arm anchored at '{arm['drug']}'"
            errors.append(Problem(*where, "control", msg))
        group, pop = arm["histology_group"], row["population"]
        known_pop = pop in vocab.populations and pop != "all"
        pop_group = vocab.histology_group(pop) if known_pop else None
        if group in ("sts", "bone") and pop_group is not None and pop_group != group:
            msg = f"'{pop}' does not belong to this arm's group"
            errors.append(Problem(*where, "population", msg))
        sub = row["subgroup_line"]
        if isinstance(sub, str):
            inside = _within(sub, arm["line"])
            if inside is False:
                msg = f"'{sub}' lies outside the line range the arm enrolled ({arm['line']})"
                errors.append(Problem(*where, "subgroup_line", msg))
            elif sub == arm["line"]:
                msg = f"'{sub}' is the arm's whole line range, not a subgroup: leave it empty"
                errors.append(Problem(*where, "subgroup_line", msg))
        else:
            named = _LINE_WORDS.search(str(row["location"]))
            if named:
                msg = (
                    f"location names a line subgroup ('{named.group(0)}') but subgroup_line is "
                    "empty: label the subgroup's line"
                )
                errors.append(Problem(*where, "subgroup_line", msg))
        maintenance = arm["regimen"] == "maintenance"
        if maintenance != (row["setting"] == "maintenance"):
            msg = f"'{row['setting']}' but the arm's regimen is {arm['regimen']}"
            errors.append(Problem(*where, "setting", msg))
    errors += _duplicates(table, "comparisons")
    duplicate = frame.duplicated(list(DUPLICATE_KEYS["comparisons"]), keep="first")
    preferred = frame[frame["preferred"].fillna(False).astype(bool) & ~duplicate]
    for _, members in preferred.groupby(list(COMPARISON_KEY), dropna=False, sort=False):
        first = table.where(int(members.index[0]))
        for i in members.index[1:]:
            what = (
                f"two reports of {frame.at[i, 'trial']}"
                if frame.at[i, "study_id"] != frame.at[members.index[0], "study_id"]
                else "two rows of one report (another review?)"
            )
            msg = (
                f"{what} are preferred for the same population, line, outcome and comparison "
                f"(also line {first[1]} of {first[0]}): prefer one"
            )
            errors.append(Problem(*table.where(int(i)), "preferred", msg))
    for _, members in frame.groupby(list(COMPARISON_KEY), dropna=False, sort=False):
        if not members["preferred"].fillna(False).astype(bool).any():
            msg = "no report of this comparison is preferred: it is shown nowhere"
            warnings.append(Problem(*table.where(int(members.index[0])), "preferred", msg))
    return errors, warnings


def _rob_problems(tables: dict[str, Located]) -> list[Problem]:
    """risk_of_bias.csv: a known randomised trial, every domain judged once, overall by the rule."""
    table = tables["risk_of_bias"]
    rob = table.frame
    names = trial_names(tables["studies"].frame)
    errors = _flag(
        table,
        rob["trial"].notna() & ~rob["trial"].isin(list(names)),
        "trial",
        "'{value}' is not a randomised trial in studies.csv (its trial or registration)",
    )
    errors += _duplicates(table, "risk_of_bias")
    usable = rob[rob["trial"].isin(list(names))].dropna(subset=["outcome", "domain", "judgement"])
    for trial, rows in usable.groupby("trial", sort=False):
        first = table.where(int(rows.index[0]))
        for domain in set(rows.loc[rows["outcome"] == "all", "domain"]):
            if ((rows["domain"] == domain) & (rows["outcome"] != "all")).any():
                msg = (
                    f"{trial}: domain {domain} is judged for all outcomes and for one outcome "
                    "(judge it either for all or per outcome)"
                )
                errors.append(Problem(*first, "outcome", msg))
        for outcome, judged in judgements_by_outcome(rows).items():
            missing = [d for d in (*DOMAINS, "overall") if d not in judged]
            if missing:
                msg = f"{trial} ({outcome}): no judgement for {', '.join(missing)}"
                errors.append(Problem(*first, "domain", msg))
                continue
            implied = rob2_overall(judged)
            if judged["overall"] != implied:
                domains = ", ".join(f"{d} {judged[d]}" for d in DOMAINS)
                at = rows[(rows["domain"] == "overall") & rows["outcome"].isin([outcome, "all"])]
                msg = (
                    f"{trial} ({outcome}): overall '{judged['overall']}' disagrees with the "
                    f"domains ({domains}): the rule gives '{implied}'"
                )
                errors.append(Problem(*table.where(int(at.index[0])), "judgement", msg))
    return errors


def _guideline_problems(tables: dict[str, Located], vocab: Vocab) -> list[Problem]:
    """guidelines.csv: a compared drug, a known histology, no cell both verified and not."""
    table = tables["guidelines"]
    gl = table.frame
    errors = _flag(
        table, ~gl["drug"].isin(vocab.tki_drugs), "drug", "'{value}' is not a compared drug"
    )
    errors += _flag(
        table,
        ~gl["histology"].isin(vocab.populations),
        "histology",
        "'{value}' is not all, sts, bone or a code of vocab/histology.csv",
    )
    for i, row in gl.iterrows():
        for code in split_list(row["excludes"]):
            within = row["histology"] == "all" or (
                vocab.histology_group(code) == row["histology"] != code
            )
            if code not in vocab.populations or code == "all" or not within:
                msg = f"'{code}' is not a histology within {row['histology']}"
                errors.append(Problem(*table.where(int(i)), "excludes", msg))
    errors += _duplicates(table, "guidelines")
    cell = ["drug", "histology", "line", "regimen", "body"]
    statuses = gl.groupby(cell, dropna=False)["status"].transform("nunique")
    errors += _flag(
        table,
        (statuses > 1) & (gl["status"] == "not_verified"),
        "status",
        "'{value}' but a verified row states this body's standing for the same drug, "
        "histology, line and regimen",
    )
    return errors


def standing_problems(tables: dict[str, Located], vocab: Vocab) -> list[Problem]:
    """Rules of the risk-of-bias and guideline tables (see SCHEMA.md, "risk_of_bias.csv")."""
    return _rob_problems(tables) + _guideline_problems(tables, vocab)
