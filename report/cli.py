"""Command line: ``python -m report deck | bundle --out FILE [filters and method settings]``.

The options are the app's URL parameters (``--histology lms --line second --preset metafor``),
checked against the same vocabulary (:mod:`report.params`); the deck and the bundle are built by
the same functions as the Export page. Every error is one line on stderr naming the option and
the values it accepts; the exit status is 2 for a bad command line and 1 for bad data or an
unwritable output file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from report.colors import TKI_DRUGS
from report.params import BY_NAME, ParamError, filters_from, method_from, resolve

PROG = "python -m report"
#: outcomes a deck may show, as the command line spells them (``pfs_rate:6``).
OUTCOME_CHOICES = (
    "orr",
    "dcr",
    "pfs_median",
    "os_median",
    *(f"{o}:{t}" for o in ("pfs_rate", "os_rate") for t in (3, 6, 9, 12, 24)),
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line (no usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see {PROG} --help)\n")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command, what in (
        ("deck", "the tumour-board deck (PPTX)"),
        ("bundle", "everything: deck, figures, tables, data, reproduce.R (zip)"),
    ):
        p = sub.add_parser(command, help=f"write {what}")
        p.add_argument("--out", required=True, type=Path, help="file to write")
        for param in BY_NAME.values():
            p.add_argument(
                _option(param.name),
                dest=param.name,
                metavar=param.name.upper(),
                help=f"{param.label}: {', '.join(param.options)} (default {param.default}"
                + (", or the preset's" if param.name in _SETTINGS else "")
                + ")",
            )
        p.add_argument(
            "--outcomes",
            help="comma-separated: " + ", ".join(OUTCOME_CHOICES) + " (default orr,dcr,"
            "pfs_median,pfs_rate:6)",
        )
        p.add_argument(
            "--forest-drugs", help="comma-separated drugs with forest plots (default: all four)"
        )
        p.add_argument("--date", help="export date printed on the slides (default: today)")
        p.add_argument(
            "--cumulative",
            action="store_true",
            help="add each forest plot's cumulative meta-analysis (by publication year)",
        )
    return parser


_SETTINGS = ("transform", "tau2", "ci", "study_ci", "mean_n")


def _list(option: str, text: str | None, allowed: Sequence[str]) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        shown = bad[0] if bad else text
        raise ParamError(
            f"{option} {shown!r} is not allowed: expected one or more of {', '.join(allowed)}"
        )
    return items


def _outcome(text: str) -> tuple[str, int | None]:
    name, _, months = text.partition(":")
    return name, int(months) if months else None


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    given = {name: getattr(args, name) for name in BY_NAME}
    for name, value in given.items():
        options = BY_NAME[name].options
        if value is not None and value not in options:
            return _fail(
                f"{_option(name)} {value!r} is not allowed: expected one of {', '.join(options)}"
            )
    try:
        outcomes = _list("--outcomes", args.outcomes, OUTCOME_CHOICES)
        drugs = _list("--forest-drugs", args.forest_drugs, TKI_DRUGS)
    except ParamError as err:
        return _fail(str(err))
    try:
        date = dt.date.fromisoformat(args.date).isoformat() if args.date else None
    except ValueError:
        return _fail(f"--date {args.date!r} is not an ISO date (YYYY-MM-DD)")
    folder = args.out.resolve().parent
    if not folder.is_dir():
        print(f"{PROG}: error: cannot write {args.out}: no folder {folder}", file=sys.stderr)
        return 1
    values = resolve(given)
    # the heavy imports only once the command line is known to be good
    import tkidata
    from report.bundle import bundle_bytes
    from report.deck import deck_bytes
    from report.view import compute_view, view_deck_content

    gc.freeze()  # the modules live as long as the command: full collections need not walk them

    try:
        ev = tkidata.load()
    except tkidata.DataValidationError as err:
        print(f"{PROG}: error: the curated data do not validate: {err}", file=sys.stderr)
        return 1
    kwargs: dict[str, object] = {}
    if outcomes is not None:
        kwargs["outcomes"] = [_outcome(o) for o in outcomes]
    if drugs is not None:
        kwargs["forest_drugs"] = drugs
    view = compute_view(
        ev,
        filters_from(values),
        method_from(values),
        direct_only=values["direct"] == "yes",
        **kwargs,
    )
    date = date or dt.date.today().isoformat()
    if args.command == "deck":
        data = deck_bytes(view_deck_content(view, date=date, cumulative=args.cumulative))
    else:
        data = bundle_bytes(view, date=date)
    try:
        args.out.write_bytes(data)
    except OSError as err:
        print(f"{PROG}: error: cannot write {args.out}: {err.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({len(data) / 1e6:.1f} MB)")
    return 0
