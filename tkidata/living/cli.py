"""``python -m tkidata release | releases | changes``: data releases on the command line.

```
python -m tkidata release [--version 2.3] [--date 2026-12-07] [--title TEXT]
python -m tkidata release --reconstruct        # rewrite the releases of PAST_RELEASES from git
python -m tkidata releases [--json]            # every release and what it changed
python -m tkidata changes --since VERSION [--json]
```
"""

from __future__ import annotations

import argparse
import json
import sys

from tkidata.living.releases import (
    PAST_RELEASES,
    ReleaseError,
    changes_since,
    commit_date,
    history,
    make_release,
    past_snapshot,
    write_release,
)

COMMANDS = ("release", "releases", "changes")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register the release commands on the ``python -m tkidata`` parser."""
    release = sub.add_parser("release", help="make the next data release from the working tree")
    release.add_argument("--version", help="default: the latest release's minor number + 1")
    release.add_argument("--date", help="ISO date (default: today)")
    release.add_argument("--title", default="", help="default: the first UNRELEASED.md entry")
    release.add_argument(
        "--reconstruct",
        action="store_true",
        help="rewrite the past releases from their commits (PAST_RELEASES) instead",
    )
    releases = sub.add_parser("releases", help="every data release and what it changed")
    releases.add_argument("--json", action="store_true")
    changes = sub.add_parser("changes", help="what changed since a release")
    changes.add_argument("--since", required=True, help="release version, e.g. 2.0")
    changes.add_argument("--json", action="store_true")


def _moved_line(m: dict) -> str:
    def fmt(x: dict | None) -> str:
        if x is None:
            return "none"
        est = x["est"]
        text = f"{est:.2f} mo" if m["outcome"] == "pfs_median" else f"{100 * est:.1f}%"
        return f"{text} (k={x['k']})"

    return (
        f"{m['drug']} {m['outcome']} [{m['population']}]: {fmt(m['before'])} -> {fmt(m['after'])}"
    )


def _print_changes(c: dict) -> None:
    for s in c["studies_added"]:
        print(f"  + {s['study_id']}: {s['citation']}")
    for s in c["studies_removed"]:
        print(f"  - {s['study_id']}: {s['citation']}")
    for r in c["corrected"]:
        print(f"  ~ {r['table']} {r['row']} {r['field']}: {r['old']} -> {r['new']} ({r['source']})")
    for m in c["moved"]:
        print(f"  > {_moved_line(m)}")


def run(args: argparse.Namespace) -> int:
    """Run one release command; 1 with one line on stderr when it cannot."""
    try:
        if args.command == "release":
            if args.reconstruct:
                for version, commit, title in PAST_RELEASES:
                    path = write_release(
                        version,
                        commit_date(commit),
                        past_snapshot(commit),
                        commit=commit,
                        title=title,
                        notes=[],
                    )
                    print(f"wrote {path}")
                return 0
            print(f"wrote {make_release(args.version, args.date, args.title)}")
            return 0
        if args.command == "releases":
            rows = history()
            if args.json:
                print(json.dumps(rows, ensure_ascii=False))
                return 0
            for r in rows:
                print(f"release {r['version']} of {r['date']} ({r['commit']}): {r['title']}")
                dates = ", ".join(f"{d} {v['date']}" for d, v in r["search_dates"].items())
                print(f"  searched: {dates or 'no search log'}")
                _print_changes(r)
            return 0
        c = changes_since(args.since)
        if args.json:
            print(json.dumps(c, ensure_ascii=False))
            return 0
        print(f"changes from release {c['from']} to {c['to']} ({c['date']}):")
        _print_changes(c)
        return 0
    except ReleaseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
