"""``python -m core pool FILE.csv ... --cumulative COLUMN``: the cumulative meta-analysis.

Studies are added in the order of COLUMN (numbers when every value is a number, else text; ties
keep file order) and the JSON object gains ``"cumulative"``: one object per step with ``study``
(the study added), ``k``, ``te``, ``se``, ``te_ci_low``, ``te_ci_high`` (analysis scale),
``tau2``, ``i2``, ``q``, ``estimate``, ``ci_low``, ``ci_high`` (back-transformed), as
:func:`core.cumulative.cumulative`. A missing value in COLUMN exits with ``file:line: COLUMN:
missing value``.
"""

from __future__ import annotations

import argparse
import math

from core import cli_errors, cli_table
from core.cumulative import CumulativePool, cumulative


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--cumulative COLUMN`` to the ``pool`` parser."""
    parser.add_argument(
        "--cumulative",
        metavar="COLUMN",
        help="also pool cumulatively, adding studies in the order of COLUMN",
    )


def columns(args: argparse.Namespace) -> tuple[str, ...]:
    """The extra column ``read_table`` must keep."""
    return (args.cumulative,) if args.cumulative else ()


def order_keys(path: str, column: str, table: cli_table.Table) -> list[float] | list[str]:
    """The sort keys of COLUMN: numbers when every value is one, else the text."""
    values = table.columns[column]
    for line, text in zip(table.lines, values, strict=True):
        if not text:
            raise cli_errors.InputError(f"{path}:{line}: {column}: missing value")
    try:
        numbers = [float(text) for text in values]
    except ValueError:
        return values
    for line, text, x in zip(table.lines, values, numbers, strict=True):
        if not math.isfinite(x):
            raise cli_errors.InputError(f"{path}:{line}: {column}: {text!r} is not a finite number")
    return numbers


def run(args: argparse.Namespace, table: cli_table.Table) -> CumulativePool | None:
    """The cumulative meta-analysis asked for (None without ``--cumulative``)."""
    if not args.cumulative:
        return None
    return cumulative(
        table.events,
        table.n,
        order_keys(args.file, args.cumulative, table),
        measure=args.measure,
        method=args.tau2,
        test="knha" if args.hksj else "z",
        level=args.level,
        labels=table.study,
    )


def render(cum: CumulativePool) -> str:
    """A readable table: one line per step."""
    width = max([5, *(len(s.label) for s in cum.steps)])
    lines = [
        "== cumulative ==",
        f"{'+ study':<{width + 2}}  {'k':>3}  {'prop':>6}  {'ci_low':>6}  {'ci_high':>7}  "
        f"{'tau2':>8}  {'I2%':>6}  {'Q':>8}",
    ]
    for s in cum.steps:
        lines.append(
            f"+ {s.label:<{width}}  {s.k:>3d}  {s.est:>6.4f}  {s.ci_lb:>6.4f}  {s.ci_ub:>7.4f}  "
            f"{s.tau2:>8.4f}  {s.i2:>6.2f}  {s.q:>8.4f}"
        )
    return "\n".join(lines)
