"""Command line: ``python -m core pool FILE.csv --measure ... --tau2 ... [--hksj] [--json]``.

FILE.csv has columns ``study,events,n`` and optionally ``subgroup``; ``--cumulative COLUMN``
adds the cumulative meta-analysis in the order of COLUMN (:mod:`core.cumulative_cli`).
``python -m core metareg`` is in :mod:`core.metareg_cli`. With ``--json`` one JSON
object is printed (DESIGN.md, "CLI contract"); otherwise a readable aligned table. Bad input
exits with status 1 (data) or 2 (usage) and ONE line naming the file, row and problem, e.g.
``data.csv:4: events: 12 > n = 10``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from core import cumulative_cli, metareg_cli
from core.measures import MEASURES
from core.pooling import pool_proportions
from core.results import ProportionPool, SubgroupPool
from core.subgroups import pool_subgroups

REQUIRED = ("study", "events", "n")
EXIT_DATA = 1
EXIT_USAGE = 2


class InputError(Exception):
    """A problem with the input file, already formatted as ``file:row: problem``."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


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


def read_table(path: str, columns: Sequence[str] = ()) -> Table:
    """Read and validate ``study,events,n[,subgroup]`` rows; raise :class:`InputError`.

    ``columns`` names extra columns to keep as text (missing ones are an error).
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
    for col in (*REQUIRED, *columns):
        if col not in header:
            raise InputError(f"{path}:1: missing column {col!r}")
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


def _fmt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _fmt_p(p: float | None) -> str:
    """A p value as ``p = 0.5210`` or ``p < 0.0001`` (never a misleading ``0.0000``)."""
    return "p < 0.0001" if p is not None and p < 0.0001 else f"p = {_fmt(p)}"


def render_table(pool: ProportionPool, title: str = "") -> str:
    """A readable, aligned text table of one pool."""
    lines = []
    if title:
        lines.append(title)
    lines.append(
        f"k = {pool.k}  measure = {pool.measure} ({MEASURES[pool.measure].label})  "
        f"tau2 = {pool.method}  test = {pool.test}  level = {pool.level:g}"
    )
    width = max([5, *(len(s.label) for s in pool.studies)])
    lines.append(
        f"{'study':<{width}}  {'events':>6}  {'n':>6}  {'prop':>6}  "
        f"{'ci_low':>6}  {'ci_high':>7}  {'weight%':>7}"
    )
    for s in pool.studies:
        lines.append(
            f"{s.label:<{width}}  {s.events:>6d}  {s.n:>6d}  {s.proportion:>6.4f}  "
            f"{s.ci_low:>6.4f}  {s.ci_high:>7.4f}  {s.weight:>7.2f}"
        )
    r, c = pool.random, pool.common
    lines.append(
        f"{'random':<{width}}  {'':>6}  {'':>6}  {r.est:>6.4f}  {r.ci_lb:>6.4f}  "
        f"{r.ci_ub:>7.4f}   PI {_fmt(r.pi_lb)} to {_fmt(r.pi_ub)}"
    )
    lines.append(
        f"{'common':<{width}}  {'':>6}  {'':>6}  {c.est:>6.4f}  {c.ci_lb:>6.4f}  {c.ci_ub:>7.4f}"
    )
    lines.append(
        f"Q = {pool.q:.4f} (df = {pool.df}, {_fmt_p(_nan_none(pool.q_pvalue))})  "
        f"I2 = {_fmt(_nan_none(pool.i2), 2)}%  tau2 = {_fmt(_nan_none(pool.tau2))}"
    )
    lines.extend(f"warning: {w}" for w in pool.warnings)
    return "\n".join(lines)


def _nan_none(x: float) -> float | None:
    return None if x != x else x


def _render(result: ProportionPool | SubgroupPool) -> str:
    if isinstance(result, ProportionPool):
        return render_table(result)
    parts = [render_table(p, f"== subgroup: {name} ==") for name, p in result.groups.items()]
    parts.append(render_table(result.overall, "== overall =="))
    parts.append(
        f"Q between = {_fmt(_nan_none(result.q_between))} (df = {result.df_between}, "
        f"{_fmt_p(_nan_none(result.p_between))})"
    )
    return "\n\n".join(parts)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Pool single proportions.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    pool = sub.add_parser("pool", help="pool the proportions in a CSV file")
    pool.add_argument("file", help="CSV with columns study,events,n[,subgroup]")
    pool.add_argument("--measure", choices=list(MEASURES), default="PFT")
    pool.add_argument("--tau2", choices=["DL", "REML", "PM", "ML"], default="DL")
    pool.add_argument("--hksj", action="store_true", help="Hartung–Knapp–Sidik–Jonkman CI")
    pool.add_argument("--level", type=float, default=0.95)
    pool.add_argument("--json", action="store_true", help="print one JSON object")
    cumulative_cli.add_arguments(pool)
    metareg_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not 0.0 < args.level < 1.0:
        parser.error(f"argument --level: {args.level} is not in (0, 1)")
    if args.command == "metareg":
        return metareg_cli.run(args)
    try:
        table = read_table(args.file, cumulative_cli.columns(args))
        cumulative = cumulative_cli.run(args, table)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_DATA
    opts = dict(
        measure=args.measure,
        method=args.tau2,
        test="knha" if args.hksj else "z",
        level=args.level,
        labels=table.study,
    )
    result: ProportionPool | SubgroupPool
    if table.subgroup is None:
        result = pool_proportions(table.events, table.n, **opts)
    else:
        result = pool_subgroups(table.events, table.n, table.subgroup, **opts)
    if args.json:
        out = result.to_dict()
        if cumulative is not None:
            out["cumulative"] = cumulative.to_list()
        print(json.dumps(out, ensure_ascii=False, allow_nan=False))
    else:
        print(_render(result))
        if cumulative is not None:
            print("\n" + cumulative_cli.render(cumulative))
    return 0
