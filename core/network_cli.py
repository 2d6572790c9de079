"""Command line: ``python -m core network FILE.csv --reference T [--model common|random]
[--tau2 DL|REML] [--level 0.95] [--json]``.

FILE.csv is netmeta's pairwise form, ``study,treat1,treat2,TE,seTE`` (TE = treat1 relative to
treat2 on the analysis scale, e.g. a log hazard ratio); a multi-arm trial lists every pair of its
arms; other columns are ignored. ``--json`` prints :meth:`NetworkResult.to_dict` (DESIGN.md,
"CLI contract"); otherwise readable tables. Bad input exits with status 1 and one line naming the
file, the row and the problem, e.g. ``net.csv:4: seTE: 0 is not a positive number``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass

from core.cli_errors import EXIT_DATA, InputError
from core.cli_table import read_rows
from core.network import (
    MODELS,
    TAU2_METHODS,
    DisconnectedNetworkError,
    NetworkInputError,
    NetworkResult,
    network_meta,
)

REQUIRED = ("study", "treat1", "treat2", "TE", "seTE")


@dataclass(frozen=True)
class Contrasts:
    """Validated rows of a pairwise file and the file line of each."""

    study: list[str]
    treat1: list[str]
    treat2: list[str]
    te: list[float]
    se_te: list[float]
    lines: list[int]


def _number(path: str, line: int, column: str, text: str) -> float:
    text = text.strip()
    if text == "":
        raise InputError(f"{path}:{line}: {column}: missing value")
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}:{line}: {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{path}:{line}: {column}: {text!r} is not a finite number")
    return value


def read_contrasts(path: str) -> Contrasts:
    """Read ``study,treat1,treat2,TE,seTE`` rows; raise :class:`InputError` at the first
    problem."""
    header, rows = read_rows(path, REQUIRED)
    pos = {c: header.index(c) for c in REQUIRED}
    out = Contrasts([], [], [], [], [], [])
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise InputError(f"{path}:{line}: expected {len(header)} fields, found {len(row)}")
        labels = []
        for col in ("study", "treat1", "treat2"):
            value = row[pos[col]].strip()
            if not value:
                raise InputError(f"{path}:{line}: {col}: missing value")
            labels.append(value)
        te = _number(path, line, "TE", row[pos["TE"]])
        se = _number(path, line, "seTE", row[pos["seTE"]])
        if se <= 0:
            text = row[pos["seTE"]].strip()
            raise InputError(f"{path}:{line}: seTE: {text} is not positive")
        out.study.append(labels[0])
        out.treat1.append(labels[1])
        out.treat2.append(labels[2])
        out.te.append(te)
        out.se_te.append(se)
        out.lines.append(line)
    if not out.study:
        raise InputError(f"{path}:2: no data rows")
    return out


def fit_file(path: str, reference: str, model: str, tau2_method: str, level: float):
    """Read and fit one file; raise :class:`InputError` with a ``file:row: problem`` line."""
    data = read_contrasts(path)
    try:
        return network_meta(
            data.study,
            data.treat1,
            data.treat2,
            data.te,
            data.se_te,
            reference=reference,
            model=model,
            tau2_method=tau2_method,
            level=level,
        )
    except NetworkInputError as exc:
        where = f"{path}:{data.lines[exc.row]}" if exc.row is not None else path
        raise InputError(f"{where}: {exc}") from None
    except DisconnectedNetworkError as exc:
        raise InputError(f"{path}: {exc}; fit each part separately") from None


def _p(p: float) -> str:
    if math.isnan(p):
        return "p = —"
    return "p < 0.0001" if p < 0.0001 else f"p = {p:.4f}"


def _f(x: float, digits: int = 4) -> str:
    return "—" if math.isnan(x) else f"{x:.{digits}f}"


def render(res: NetworkResult) -> str:
    """Readable tables: effects against the reference, heterogeneity, inconsistency."""
    tau2_note = " (not estimable: df = 0)" if math.isnan(res.tau2) else ""
    lines = [
        f"studies = {res.n_studies}  contrasts = {res.n_contrasts}  treatments = "
        f"{len(res.treatments)}  model = {res.model}  tau2 = {res.tau2_method}  "
        f"level = {res.level:g}",
        f"{'treatment':<{_width(res)}}  {'TE':>8}  {'seTE':>7}  {'ci_low':>8}  {'ci_high':>8}  "
        f"vs {res.reference}",
    ]
    for e in res.effects:
        lines.append(
            f"{e.treatment:<{_width(res)}}  {e.te:>8.4f}  {e.se:>7.4f}  {e.ci_low:>8.4f}  "
            f"{e.ci_high:>8.4f}"
        )
    lines.append(
        f"Q = {res.q:.4f} (df = {res.df}, {_p(res.p)})  I2 = {_f(res.i2, 2)}%  "
        f"tau2 = {_f(res.tau2)}{tau2_note}"
    )
    inc = res.inconsistency
    if inc is None:
        lines.append("inconsistency: not testable (no loop of designs)")
        return "\n".join(lines)
    lines.append(
        f"within designs: Q = {inc.q_within:.4f} (df = {inc.df_within}, {_p(inc.p_within)})  "
        f"between designs: Q = {inc.q_between:.4f} (df = {inc.df_between}, "
        f"{_p(inc.p_between)}); with tau2 within = {inc.tau2_within:.4f}: "
        f"Q = {inc.q_between_random:.4f} ({_p(inc.p_between_random)})"
    )
    lines.append("node-splitting (direct - indirect):")
    for s in inc.splits:
        lines.append(
            f"  {s.treat1} vs {s.treat2}: direct {s.direct.te:.4f} (k = {s.k_direct}), "
            f"indirect {s.indirect.te:.4f}, difference {s.difference.te:.4f} "
            f"({s.difference.ci_low:.4f} to {s.difference.ci_high:.4f}), {_p(s.p)}"
        )
    return "\n".join(lines)


def _width(res: NetworkResult) -> int:
    return max(9, *(len(t) for t in res.treatments))


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``network`` sub-command on the ``python -m core`` parser."""
    net = sub.add_parser("network", help="network meta-analysis of pairwise contrasts")
    net.add_argument("file", help="CSV with columns study,treat1,treat2,TE,seTE")
    net.add_argument("--reference", required=True, help="treatment the effects are against")
    net.add_argument("--model", choices=list(MODELS), default="random")
    net.add_argument("--tau2", choices=list(TAU2_METHODS), default="REML")
    net.add_argument("--level", type=float, default=0.95)
    net.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    """Run ``python -m core network`` with parsed arguments; return the exit status."""
    try:
        res = fit_file(args.file, args.reference, args.model, args.tau2, args.level)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_DATA
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, allow_nan=False))
    else:
        print(render(res))
    return 0
