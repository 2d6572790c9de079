"""Command line: ``python -m tkidata check | export | pool | reproduce``."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence

import pandas as pd

from tkidata.analyses.coverage import coverage_report, question_coverage
from tkidata.analyses.method import PRESETS, Method
from tkidata.analyses.pooling import outcome_label, pool_outcome
from tkidata.analyses.reproduction import reproduction_table
from tkidata.living.cli import COMMANDS as RELEASE_COMMANDS
from tkidata.living.cli import add_parsers as add_release_parsers
from tkidata.living.cli import run as run_release
from tkidata.patient.filters import (
    AGE_CHOICES,
    DESIGN_CHOICES,
    LINE_CHOICES,
    REGIMEN_CHOICES,
    Filters,
)
from tkidata.store.codes import POOLED_OUTCOMES, TIMEPOINTS
from tkidata.store.errors import DataValidationError
from tkidata.store.loader import Evidence, load
from tkidata.store.validate import TABLES


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """JSON-ready rows: missing values become null, CSV column names kept."""
    return json.loads(frame.to_json(orient="records", force_ascii=False, double_precision=15))


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans written as ``true``/``false``, as in the data files."""
    out = frame.copy()
    for col in out.columns:
        if str(out[col].dtype) in ("bool", "boolean"):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else str(bool(v)).lower())
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tkidata", description=__doc__)
    parser.add_argument("--data-dir", help="folder of batch folders (default: tkidata/data)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate the data and print a coverage report")
    export = sub.add_parser("export", help="print every table (CSV, or one JSON object)")
    export.add_argument("--json", action="store_true")
    export.add_argument("--table", choices=TABLES, help="only this table")
    pool = sub.add_parser("pool", help="pool one outcome of one drug")
    pool.add_argument("--drug", required=True)
    pool.add_argument("--outcome", required=True, choices=POOLED_OUTCOMES)
    pool.add_argument("--population", default="all", help="all, sts, bone or a histology code")
    pool.add_argument("--line", default="any", choices=LINE_CHOICES)
    pool.add_argument(
        "--no-mixed-line", action="store_true", help="only arms of exactly this line (no spans)"
    )
    pool.add_argument("--design", default="all", choices=DESIGN_CHOICES)
    pool.add_argument("--regimen", default="monotherapy", choices=REGIMEN_CHOICES)
    pool.add_argument("--age", default="all", choices=AGE_CHOICES)
    pool.add_argument("--set", dest="study_set", help="meta-analysis id, e.g. li2025")
    pool.add_argument(
        "--include-quoted",
        action="store_true",
        help="also pool arms known only from figures quoted in another paper's text",
    )
    pool.add_argument("--timepoint", type=int, choices=TIMEPOINTS, help="months (rates)")
    pool.add_argument("--method-preset", default="reference", choices=tuple(PRESETS))
    pool.add_argument("--json", action="store_true", help="print the core pool JSON object")
    reproduce = sub.add_parser("reproduce", help="published vs reproduced results")
    reproduce.add_argument("--json", action="store_true")
    coverage = sub.add_parser(
        "coverage", help="how many common clinic questions get direct, broader or no evidence"
    )
    coverage.add_argument("--json", action="store_true", help="one JSON object of counts")
    add_release_parsers(sub)
    return parser


def _coverage(ev: Evidence, args: argparse.Namespace) -> int:
    grid = question_coverage(ev)
    tiers = ["direct", "group", "all", "none"]
    totals = {t: int((grid["tier"] == t).sum()) for t in tiers}
    per_drug = (
        grid.groupby(["drug", "tier"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=tiers, fill_value=0)
    )
    if args.json:
        payload = {
            "questions": len(grid),
            **totals,
            "by_drug": {d: {t: int(per_drug.at[d, t]) for t in tiers} for d in per_drug.index},
        }
        print(json.dumps(payload))
        return 0
    answered = len(grid) - totals["none"]
    print(
        f"{len(grid)} questions (drug x 12 histologies x first/second line x ORR, DCR, median "
        f"PFS, PFS-6, grade >=3 AEs): {answered} answered — {totals['direct']} direct, "
        f"{totals['group']} histology group, {totals['all']} all sarcoma; {totals['none']} "
        "nothing"
    )
    print(per_drug.to_string())
    return 0


def _check(ev: Evidence) -> int:
    print(coverage_report(ev))
    print(f"\nRead {len(ev.read)} files ({sum(rows for _, rows in ev.read):,} data rows):")
    for path, rows in ev.read:
        print(f"  {path} ({rows:,} row{'' if rows == 1 else 's'})")
    if ev.skipped:
        print(f"Skipped on purpose ({len(ev.skipped)}):")
        print("\n".join(f"  {entry}" for entry in ev.skipped))
    return 0


def _export(ev: Evidence, args: argparse.Namespace) -> int:
    frames = {name: getattr(ev, name) for name in TABLES}
    if args.table:
        frames = {args.table: frames[args.table]}
    if args.json:
        print(json.dumps({name: _records(f) for name, f in frames.items()}, ensure_ascii=False))
        return 0
    for i, (name, frame) in enumerate(frames.items()):
        if len(frames) > 1:
            print(("\n" if i else "") + f"# {name}.csv")
        buffer = io.StringIO()
        _csv_ready(frame).to_csv(buffer, index=False, lineterminator="\n")
        print(buffer.getvalue(), end="")
    return 0


def _fmt(value: float, outcome: str) -> str:
    return f"{value:.2f} months" if outcome.endswith("median") else f"{100 * value:.1f}%"


def _pool(ev: Evidence, args: argparse.Namespace) -> int:
    f = Filters(
        histology=args.population,
        line=args.line,
        include_mixed_line=not args.no_mixed_line,
        design=args.design,
        regimen=args.regimen,
        age=args.age,
        include_quoted=args.include_quoted,
    )
    m = Method.preset(args.method_preset)
    res = pool_outcome(
        ev, args.drug, args.outcome, f, m, timepoint=args.timepoint, study_set=args.study_set
    )
    excluded = res.selection.excluded
    if res.pool is None:
        print(res.note, file=sys.stderr)
        for row in excluded.itertuples():
            print(f"  left out {row.study_id}: {row.reason}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(res.pool.to_dict()))
        return 0
    est, lo, hi = res.estimate
    what = outcome_label(args.outcome, args.timepoint)
    print(f"{args.drug} {what} ({f.describe()})")
    print(f"  {_fmt(est, args.outcome)} ({_fmt(lo, args.outcome)} to {_fmt(hi, args.outcome)})")
    print(f"  k = {res.k}, N = {res.n_patients}, I² = {res.pool.i2:.1f}%")
    print(f"  method: {m.describe()}")
    print(
        f"  studies: {', '.join(res.study_ids)}"
        + (" (includes derived numbers)" if res.derived else "")
    )
    if res.note:
        print(f"  note: {res.note}")
    for row in excluded.itertuples():
        print(f"  left out {row.study_id}: {row.reason}")
    return 0


def _reproduce(ev: Evidence, args: argparse.Namespace) -> int:
    table = reproduction_table(ev)
    if args.json:
        print(json.dumps(_records(table), ensure_ascii=False))
        return 0
    shown = table[
        ["label", "population", "published", "reproduced", "difference", "k_published", "k_here"]
    ].copy()
    shown.insert(0, "drug", table["drug"])
    print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    gaps = table[table["missing"] != ""]
    if len(gaps):
        print("\nMissing from the reproduced pools:")
        for row in gaps.itertuples():
            print(f"  {row.label} [{row.population}]: {row.missing_reasons}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (1 on validation errors or k = 0)."""
    args = _parser().parse_args(argv)
    if args.command in RELEASE_COMMANDS:
        return run_release(args)
    try:
        ev = load(args.data_dir)
    except DataValidationError as err:
        print(err)
        return 1
    except OSError as err:  # the vocabulary folder cannot be read
        print(f"error: {err.strerror or err}: {err.filename or ''}", file=sys.stderr)
        return 1
    try:
        if args.command == "check":
            return _check(ev)
        if args.command == "export":
            return _export(ev, args)
        if args.command == "pool":
            return _pool(ev, args)
        if args.command == "coverage":
            return _coverage(ev, args)
        return _reproduce(ev, args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
