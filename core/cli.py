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
import json
import sys
from collections.abc import Sequence

from core import cumulative_cli, metareg_cli, network_cli
from core.cli_errors import EXIT_DATA, EXIT_USAGE, InputError
from core.cli_table import fmt, fmt_p, read_table
from core.measures import MEASURES
from core.pooling import pool_proportions
from core.results import ProportionPool, SubgroupPool
from core.subgroups import pool_subgroups


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


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
        f"{r.ci_ub:>7.4f}   PI {fmt(r.pi_lb)} to {fmt(r.pi_ub)}"
    )
    lines.append(
        f"{'common':<{width}}  {'':>6}  {'':>6}  {c.est:>6.4f}  {c.ci_lb:>6.4f}  {c.ci_ub:>7.4f}"
    )
    lines.append(
        f"Q = {pool.q:.4f} (df = {pool.df}, {fmt_p(_nan_none(pool.q_pvalue))})  "
        f"I2 = {fmt(_nan_none(pool.i2), 2)}%  tau2 = {fmt(_nan_none(pool.tau2))}"
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
        f"Q between = {fmt(_nan_none(result.q_between))} (df = {result.df_between}, "
        f"{fmt_p(_nan_none(result.p_between))})"
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
    network_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not 0.0 < args.level < 1.0:
        parser.error(f"argument --level: {args.level} is not in (0, 1)")
    if args.command == "metareg":
        return metareg_cli.run(args)
    if args.command == "network":
        return network_cli.run(args)
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
