"""What a data release records, computed from one tree of ``tkidata/``.

This module is also run as a script against an older checkout of the repository
(``python snapshot.py ROOT``): it then imports *that* checkout's ``tkidata`` for the
headline pooled numbers, so a past release is computed by the code that was in force with its
data. It therefore uses only the API every version since the first curated data has offered
(``load``, ``Filters(histology=)``, ``Method.preset``, ``pool_outcome``, ``pool_adverse_events``)
and reads the data rows with the standard ``csv`` module.

A snapshot is a plain JSON-ready dict:

``search_dates``
    drug -> {"date": newest search date in the search log, "queries": count} (empty before the
    search log existed).
``studies``
    study_id -> the arm's citation and design fields.
``rows``
    table -> row key -> ``[digest, values]``: ``digest`` hashes every cell of the row (notes
    included), ``values`` keeps the cells a reader compares (counts, estimates, sources), so a
    correction can be shown old -> new with where the new value came from.
``headline``
    ``[drug, outcome, population, est, ci_low, ci_high, k, n]`` for each drug × ORR, DCR,
    median PFS, PFS-6 and each pooled grade ≥3 adverse-event term × all / soft tissue / bone,
    reference method, default filters otherwise.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

#: the tables a release digests, with the columns that identify a row (missing columns = "")
ROW_KEYS: dict[str, tuple[str, ...]] = {
    "studies": ("study_id",),
    "outcomes": (
        "study_id",
        "population",
        "outcome",
        "timepoint_months",
        "comparator_study_id",
        "assessment",
        "assessment_week",
        "subgroup_line",
    ),
    "adverse_events": ("study_id", "term", "grade"),
    "published": (
        "source_id",
        "drug",
        "outcome",
        "population",
        "timepoint_months",
        "term",
        "grade",
    ),
    "comparisons": (
        "trial",
        "study_id",
        "control_study_id",
        "population",
        "subgroup_line",
        "setting",
        "outcome",
    ),
    "risk_of_bias": ("trial", "outcome", "domain"),
    "guidelines": ("drug", "histology", "line", "body"),
}

#: cells kept beside the digest (what a reader compares), when the table has them
VALUE_COLUMNS: tuple[str, ...] = (
    "events",
    "n",
    "denominator",
    "estimate",
    "ci_low",
    "ci_high",
    "not_reached",
    "pct",
    "hr",
    "p_value",
    "review",
    "n_experimental",
    "n_control",
    "k",
    "n_patients",
    "judgement",
    "status",
    "standing",
    "year",
    "design",
    "line",
    "histology_group",
    "n_enrolled",
    "n_safety",
    "preferred",
    "location",
    "source",
    "source_url",
)

#: study fields kept for the "studies added / removed" lists
STUDY_COLUMNS: tuple[str, ...] = (
    "drug",
    "trial",
    "arm",
    "first_author",
    "year",
    "journal",
    "doi",
    "registration",
    "design",
    "histology_group",
    "n_enrolled",
    "preferred",
)

DRUGS: tuple[str, ...] = ("anlotinib", "apatinib", "regorafenib", "pazopanib")
POPULATIONS: tuple[str, ...] = ("all", "sts", "bone")
OUTCOMES: tuple[tuple[str, int | None], ...] = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("pfs_rate", 6),
)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _digest(row: dict[str, str]) -> str:
    text = json.dumps(sorted(row.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def data_rows(data_dir: Path) -> tuple[dict[str, dict[str, list]], dict[str, dict[str, str]]]:
    """Digested rows of every table and the study citations, from the CSV files of ``data_dir``.

    Returns
    -------
    rows : dict
        table -> key -> ``[digest, values]``; a key repeated within a table gets ``#2``, ``#3``.
    studies : dict
        study_id -> :data:`STUDY_COLUMNS` (non-empty cells only).
    """
    rows: dict[str, dict[str, list]] = {table: {} for table in ROW_KEYS}
    studies: dict[str, dict[str, str]] = {}
    for batch in sorted(p for p in data_dir.iterdir() if p.is_dir() and p.name[0] not in "._"):
        for table, key_columns in ROW_KEYS.items():
            path = batch / f"{table}.csv"
            if not path.exists():
                continue
            for record in _read(path):
                record = {k: (v or "").strip() for k, v in record.items() if k is not None}
                key = "|".join(record.get(c, "") for c in key_columns)
                unique, i = key, 1
                while unique in rows[table]:
                    i += 1
                    unique = f"{key}#{i}"
                values = {c: record[c] for c in VALUE_COLUMNS if record.get(c)}
                rows[table][unique] = [_digest(record), values]
                if table == "studies":
                    studies[record["study_id"]] = {
                        c: record[c] for c in STUDY_COLUMNS if record.get(c)
                    }
    return rows, studies


def search_dates(data_dir: Path) -> dict[str, dict[str, object]]:
    """drug -> newest search date and number of queries in the search log (``searches.csv``)."""
    out: dict[str, dict[str, object]] = {}
    for path in sorted(data_dir.glob("*/searches.csv")):
        for record in _read(path):
            drug, date = record.get("drug", ""), record.get("date", "")
            entry = out.setdefault(drug, {"date": "", "queries": 0})
            entry["queries"] = int(entry["queries"]) + 1
            entry["date"] = max(str(entry["date"]), date)
    return dict(sorted(out.items()))


def _number(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if out != out else round(out, 6)


def headline() -> list[list[object]]:
    """The headline pooled numbers, computed by the ``tkidata`` package on ``sys.path``."""
    from tkidata.analyses.method import Method
    from tkidata.analyses.pooling import pool_adverse_events, pool_outcome
    from tkidata.patient.filters import Filters
    from tkidata.store.loader import load

    ev = load()
    method = Method.preset("reference")
    out: list[list[object]] = []
    for drug in DRUGS:
        for population in POPULATIONS:
            f = Filters(histology=population)
            for outcome, timepoint in OUTCOMES:
                try:
                    res = pool_outcome(ev, drug, outcome, f, method, timepoint=timepoint)
                except ValueError:  # early engines refused a median pool with no usable CI
                    continue
                if res.pool is None or res.k == 0:
                    continue
                name = outcome if timepoint is None else f"{outcome}_{timepoint}"
                est = res.pool.random
                out.append(
                    [
                        drug,
                        name,
                        population,
                        _number(est.est),
                        _number(est.ci_lb),
                        _number(est.ci_ub),
                        int(res.k),
                        int(res.n_patients),
                    ]
                )
            ae = pool_adverse_events(ev, drug, f, method, grade="3plus")
            for _, row in ae.iterrows():
                if int(row["k"]) < 1 or _number(row["est"]) is None:
                    continue
                out.append(
                    [
                        drug,
                        f"ae3:{row['term']}",
                        population,
                        _number(row["est"]),
                        _number(row["ci_lb"]),
                        _number(row["ci_ub"]),
                        int(row["k"]),
                        int(row["n"]),
                    ]
                )
    return out


def snapshot(root: Path) -> dict[str, object]:
    """Everything a release records except its version, date and notes, for the repository at
    ``root`` (whose ``tkidata`` package must be the one imported)."""
    data_dir = root / "tkidata" / "data"
    rows, studies = data_rows(data_dir)
    return {
        "search_dates": search_dates(data_dir),
        "studies": studies,
        "rows": rows,
        "headline": headline(),
    }


if __name__ == "__main__":
    ROOT = Path(sys.argv[1]).resolve()
    sys.path.insert(0, str(ROOT))
    json.dump(snapshot(ROOT), sys.stdout, ensure_ascii=False)
