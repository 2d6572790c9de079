"""``python -m core metareg FILE.csv --measure M --tau2 T [--hksj] --mods a[,b...] [--json]``.

FILE.csv has columns ``study,events,n`` plus the moderator columns named by ``--mods``, in model
order; other columns are ignored. A column whose every value is a number is a continuous
moderator, any other a categorical one (R ``factor`` coding: sorted levels, the first the
reference). With ``--json`` one object is printed (README, "Command line: engine"):
``k, measure, tau2_method, tau2, i2, r2, qm, qm_df, qm_p, qe, qe_df, qe_p, coefficients`` — the
numbers of metafor's ``rma(measure, xi = events, ni = n, mods = ~ a + b, method = T,
test = "z" | "knha")``. Under ``--hksj`` ``qm`` is F on ``(qm_df, qe_df)`` degrees of freedom and
each coefficient's ``statistic`` is t on ``qe_df``.

Bad input exits 1 with one line: ``file:line: column: problem`` for a value (missing, not a
finite number, and every ``pool`` check of the counts), ``file:1: problem`` for a moderator as a
whole (constant, collinear, fewer studies than coefficients + 1).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from core import cli_errors, cli_table
from core.measures import MEASURES
from core.metareg import MetaRegression, ModeratorError, metareg


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``metareg`` sub-command to ``python -m core``."""
    p = sub.add_parser("metareg", help="meta-regression of the proportions in a CSV file")
    p.add_argument("file", help="CSV with columns study,events,n and the moderators")
    p.add_argument("--measure", choices=list(MEASURES), default="PFT")
    p.add_argument("--tau2", choices=["DL", "REML", "PM", "ML"], default="DL")
    p.add_argument("--hksj", action="store_true", help="Knapp–Hartung t and F tests")
    p.add_argument("--mods", required=True, metavar="A[,B...]", help="moderator columns")
    p.add_argument("--level", type=float, default=0.95)
    p.add_argument("--json", action="store_true", help="print one JSON object")


def moderator_names(text: str) -> list[str]:
    """The ``--mods`` list; raise :class:`core.cli.InputError` when empty, repeated or reserved."""
    names = [m.strip() for m in text.split(",")]
    if not all(names):
        raise cli_errors.InputError(f"--mods: {text!r} names an empty column")
    for name in names:
        if name in (*cli_table.REQUIRED, "subgroup"):
            raise cli_errors.InputError(f"--mods: {name!r} is not a moderator column")
        if names.count(name) > 1:
            raise cli_errors.InputError(f"--mods: {name!r} is named twice")
    return names


def moderator_values(path: str, table: cli_table.Table, name: str) -> list[float] | list[str]:
    """One moderator column: numbers when every value is one, else text (categorical)."""
    values = table.columns[name]
    for line, text in zip(table.lines, values, strict=True):
        if not text:
            raise cli_errors.InputError(f"{path}:{line}: {name}: missing value")
    try:
        numbers = [float(text) for text in values]
    except ValueError:
        return values
    for line, text, x in zip(table.lines, values, numbers, strict=True):
        if not math.isfinite(x):
            raise cli_errors.InputError(f"{path}:{line}: {name}: {text!r} is not a finite number")
    return numbers


def fit(args: argparse.Namespace) -> MetaRegression:
    """Read, validate and fit; raise :class:`core.cli.InputError` with a one-line message."""
    names = moderator_names(args.mods)
    table = cli_table.read_table(args.file, names)
    mods = {name: moderator_values(args.file, table, name) for name in names}
    try:
        return metareg(
            table.events,
            table.n,
            mods,
            measure=args.measure,
            method=args.tau2,
            test="knha" if args.hksj else "z",
            level=args.level,
            labels=table.study,
        )
    except ModeratorError as exc:
        raise cli_errors.InputError(f"{args.file}:1: {exc}") from None


def render(res: MetaRegression) -> str:
    """A readable table of the coefficients and the model's tests."""
    stat = "t" if res.test == "knha" else "z"
    width = max([9, *(len(c.name) for c in res.coefficients)])
    lines = [
        f"k = {res.k}  measure = {res.measure} ({MEASURES[res.measure].label})  "
        f"tau2 = {res.method}  test = {res.test}  level = {res.level:g}",
        f"{'coefficient':<{width}}  {'estimate':>9}  {'se':>8}  {stat:>8}  {'p':>8}  "
        f"{'ci_low':>9}  {'ci_high':>9}",
    ]
    for c in res.coefficients:
        lines.append(
            f"{c.name:<{width}}  {c.estimate:>9.4f}  {c.se:>8.4f}  {c.statistic:>8.3f}  "
            f"{c.pvalue:>8.4f}  {c.ci_lb:>9.4f}  {c.ci_ub:>9.4f}"
        )
    qm = (
        f"QM = F({res.qm_df}, {res.qe_df}) = {res.qm:.4f}"
        if res.test == "knha"
        else f"QM = {res.qm:.4f} (df = {res.qm_df})"
    )
    r2 = "—" if res.r2 is None else f"{res.r2:.2f}%"
    lines.append(f"{qm}, {cli_table.fmt_p(res.qm_pvalue)}")
    lines.append(f"QE = {res.qe:.4f} (df = {res.qe_df}), {cli_table.fmt_p(res.qe_pvalue)}")
    lines.append(f"tau2 = {res.tau2:.4f}  I2 (residual) = {res.i2:.2f}%  R2 = {r2}")
    lines.extend(f"warning: {w}" for w in res.warnings)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``metareg``; return the exit status."""
    try:
        res = fit(args)
    except cli_errors.InputError as exc:
        print(exc, file=sys.stderr)
        return cli_errors.EXIT_DATA
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, allow_nan=False))
    else:
        print(render(res))
    return 0
