"""Data releases: what each release holds and what changed between releases.

A release (``tkidata/releases/<version>.json``) records its version, date, the commit its data
were read from, each drug's search date (the search log), every study arm, a digest of every
data row with the values a reader compares, and the headline pooled numbers (each drug × ORR,
DCR, median PFS, PFS-6, pooled grade ≥3 adverse-event terms × all / soft tissue / bone; reference
method). What changed is computed from two releases, never typed (:func:`changes`).

Past releases were reconstructed from the repository's history: each chosen commit's
``tkidata/`` and ``core/`` are extracted to a temporary folder and
:mod:`tkidata.living.snapshot` is run there as a script, so the headline numbers come from the
code that was in force with that data (:func:`past_snapshot`). ``python -m tkidata release``
makes the next release from the working tree and moves the entries of
``tkidata/releases/UNRELEASED.md`` into its notes.

Data that differ from the latest release without an entry in ``UNRELEASED.md`` fail a test
(:func:`staleness`), so the history cannot go stale.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tkidata.living.snapshot import data_rows, snapshot

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
RELEASES_DIR = PACKAGE / "releases"
UNRELEASED = RELEASES_DIR / "UNRELEASED.md"
UNRELEASED_HEADER = """# Unreleased data changes

Data under `tkidata/data/` that differ from the latest release need an entry here (one `- `
line per change, in your own words) until `python -m tkidata release` makes the next release
and moves these entries into its notes. A test fails when the data changed without an entry.

"""

#: the releases reconstructed from the repository's history: version, commit, title
PAST_RELEASES: tuple[tuple[str, str, str], ...] = (
    ("1.0", "c49ce68", "First curated data: four drugs, first pass and citation audit"),
    (
        "2.0",
        "12bb159",
        "Curation round 2: line ranges, search log; EPAZ, PAPAGEMO, APROMISS; "
        "pazopanib 19 -> 42 arms",
    ),
    ("2.1", "28fc7bc", "Second pass: deeper sources; pazopanib 42 -> 50 arms"),
)

#: a pooled proportion "moved" at 0.1 percentage point, a median at 0.05 months
MOVE_PROPORTION = 0.001
MOVE_MONTHS = 0.05


class ReleaseError(ValueError):
    """A release file or request that cannot be used; the message names the file or version."""


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError as exc:
        raise ReleaseError(f"release version {version!r}: expected numbers such as 2.1") from exc


def _read_release(path: Path) -> dict:
    try:
        release = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReleaseError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if release.get("version") != path.stem:
        raise ReleaseError(f"{path}: version {release.get('version')!r} != file name")
    return release


def load_releases(folder: Path | None = None) -> tuple[dict, ...]:
    """Every release in ``folder`` (default ``tkidata/releases``), oldest first."""
    folder = folder or RELEASES_DIR
    out = [_read_release(path) for path in folder.glob("*.json")]
    return tuple(sorted(out, key=lambda r: _version_key(r["version"])))


def latest(folder: Path | None = None) -> dict | None:
    """The newest release, or None when there is none (only its file is read: each holds a
    digest of every data row, and an export asks for the newest twice)."""
    paths = list((folder or RELEASES_DIR).glob("*.json"))
    if not paths:
        return None
    return _read_release(max(paths, key=lambda path: _version_key(path.stem)))


def release_label(release: dict | None) -> str:
    """``data release 2.2 of 2026-12-06`` (or a plain note when there is no release)."""
    if release is None:
        return "no data release recorded"
    return f"data release {release['version']} of {release['date']}"


def data_words(version: object) -> str:
    """The data in force in an export's words: ``data release 2.2 of 2026-12-06 (data of ...)``,
    saying so when the data differ from that release (unreleased changes)."""
    words = release_label(latest())
    if staleness().differs:
        words += " plus unreleased changes"
    return f"{words} ({version})"


def past_snapshot(commit: str, root: Path = ROOT) -> dict:
    """The snapshot of ``commit``: its ``tkidata`` and ``core`` extracted to a temporary folder
    and :mod:`tkidata.living.snapshot` run there by that commit's own code."""
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", commit, "tkidata", "core"],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            raise ReleaseError(f"git archive {commit}: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        script = Path(tmp) / "snapshot.py"  # outside the tree: nothing shadows its imports
        script.write_text((Path(__file__).parent / "snapshot.py").read_text(encoding="utf-8"))
        run = subprocess.run(
            [sys.executable, str(script), str(tree)],
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            last = (run.stderr.strip().splitlines() or ["no output"])[-1]
            raise ReleaseError(f"snapshot of {commit} failed: {last}")
        return json.loads(run.stdout)


def commit_date(commit: str, root: Path = ROOT) -> str:
    """ISO date of a commit."""
    out = subprocess.run(
        ["git", "-C", str(root), "show", "-s", "--format=%cs", commit],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def write_release(
    version: str,
    date: str,
    snap: dict,
    *,
    commit: str | None,
    title: str,
    notes: list[str],
    folder: Path | None = None,
) -> Path:
    """Write ``<version>.json`` (compact, keys sorted) and return its path."""
    folder = folder or RELEASES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    release = {
        "version": version,
        "date": date,
        "commit": commit,
        "title": title,
        "notes": notes,
        **snap,
    }
    path = folder / f"{version}.json"
    path.write_text(
        json.dumps(release, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    return path


def unreleased_entries(path: Path | None = None) -> list[str]:
    """The ``- `` entries of ``UNRELEASED.md`` (their text, without the dash)."""
    path = path or UNRELEASED
    if not path.exists():
        return []
    return [
        line[2:].strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("- ") and line[2:].strip()
    ]


def next_version(release: dict | None) -> str:
    """The version after ``release``: its minor number plus one (``1.0`` when none)."""
    if release is None:
        return "1.0"
    major, minor = _version_key(release["version"])[:2]
    return f"{major}.{minor + 1}"


def make_release(
    version: str | None = None,
    date: str | None = None,
    title: str = "",
    folder: Path | None = None,
) -> Path:
    """The next release from the working tree; ``UNRELEASED.md`` entries become its notes and
    the file is reset to its header."""
    previous = latest(folder)
    version = version or next_version(previous)
    if previous is not None and _version_key(version) <= _version_key(previous["version"]):
        raise ReleaseError(f"release {version}: not after the latest release {previous['version']}")
    notes = unreleased_entries()
    path = write_release(
        version,
        date or dt.date.today().isoformat(),
        snapshot(ROOT),
        commit=_head(),
        title=title or (notes[0] if notes else "Data release"),
        notes=notes,
        folder=folder,
    )
    UNRELEASED.write_text(UNRELEASED_HEADER, encoding="utf-8")
    return path


def _head() -> str | None:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or None


# --- what changed ------------------------------------------------------------------------


def citation(study_id: str, study: dict) -> str:
    """``van der Graaf 2012, Lancet (PALETTE), doi 10.1016/...`` from a release's study entry."""
    parts = [f"{study.get('first_author', study_id)} {study.get('year', '')}".strip()]
    if study.get("journal"):
        parts.append(study["journal"])
    trial = study.get("trial")
    head = ", ".join(parts) + (f" ({trial})" if trial else "")
    ref = (study.get("doi") and f"doi {study['doi']}") or study.get("registration")
    return head + (f", {ref}" if ref else "")


def _study_list(ids: list[str], studies: dict) -> list[dict]:
    return [
        {
            "study_id": sid,
            "drug": studies[sid].get("drug", ""),
            "arm": studies[sid].get("arm", ""),
            "n": studies[sid].get("n_enrolled", ""),
            "citation": citation(sid, studies[sid]),
        }
        for sid in sorted(ids, key=lambda s: (studies[s].get("drug", ""), s))
    ]


def row_changes(old_rows: dict, new_rows: dict, new_studies: dict) -> dict:
    """Rows corrected (a compared value changed: old -> new with the new row's source), rows
    whose wording only changed (counted), and rows added or removed, per table."""
    corrected: list[dict] = []
    reworded: dict[str, int] = {}
    added: dict[str, int] = {}
    removed: dict[str, int] = {}
    for table in sorted(set(old_rows) | set(new_rows)):
        old, new = old_rows.get(table, {}), new_rows.get(table, {})
        added[table] = len(set(new) - set(old))
        removed[table] = len(set(old) - set(new))
        for key in sorted(set(old) & set(new)):
            (d_old, v_old), (d_new, v_new) = old[key], new[key]
            if d_old == d_new:
                continue
            fields = [
                f
                for f in sorted(set(v_old) | set(v_new))
                if f not in ("location", "source", "source_url") and v_old.get(f) != v_new.get(f)
            ]
            if not fields:
                reworded[table] = reworded.get(table, 0) + 1
                continue
            study = new_studies.get(key.split("|")[0], {})
            source = (
                "; ".join(
                    str(v_new[f]) for f in ("location", "source", "source_url") if v_new.get(f)
                )
                or (study.get("doi") and f"doi {study['doi']}")
                or study.get("registration", "")
            )
            for field in fields:
                corrected.append(
                    {
                        "table": table,
                        "row": key.split("#")[0].rstrip("|").replace("||", "|"),
                        "field": field,
                        "old": v_old.get(field, ""),
                        "new": v_new.get(field, ""),
                        "source": source,
                    }
                )
    return {
        "corrected": corrected,
        "reworded": {k: v for k, v in reworded.items() if v},
        "rows_added": {k: v for k, v in added.items() if v},
        "rows_removed": {k: v for k, v in removed.items() if v},
    }


def moved_numbers(old: list, new: list) -> list[dict]:
    """Headline numbers that moved (estimate by 0.1 percentage point or 0.05 months, or k
    changed), appeared or disappeared: before -> after with k."""
    before = {tuple(r[:3]): r for r in old}
    after = {tuple(r[:3]): r for r in new}
    order = {"orr": 0, "dcr": 1, "pfs_median": 2, "pfs_rate_6": 3}
    pops = {"all": 0, "sts": 1, "bone": 2}

    def rank(key: tuple) -> tuple:
        return (key[0], order.get(key[1], 9), key[1], pops.get(key[2], 9))

    out = []
    for key in sorted(set(before) | set(after), key=rank):
        b, a = before.get(key), after.get(key)
        if b is not None and a is not None:
            tol = MOVE_MONTHS if key[1] == "pfs_median" else MOVE_PROPORTION
            if b[6] == a[6] and abs((a[3] or 0) - (b[3] or 0)) < tol:
                continue
        out.append(
            {
                "drug": key[0],
                "outcome": key[1],
                "population": key[2],
                "before": None if b is None else {"est": b[3], "ci": b[4:6], "k": b[6], "n": b[7]},
                "after": None if a is None else {"est": a[3], "ci": a[4:6], "k": a[6], "n": a[7]},
            }
        )
    return out


def changes(old: dict | None, new: dict) -> dict:
    """What changed from release ``old`` to release ``new`` (``old`` None: everything is new)."""
    old = old or {"studies": {}, "rows": {}, "headline": [], "search_dates": {}}
    old_ids, new_ids = set(old["studies"]), set(new["studies"])
    return {
        "from": old.get("version"),
        "to": new["version"],
        "date": new["date"],
        "studies_added": _study_list(sorted(new_ids - old_ids), new["studies"]),
        "studies_removed": _study_list(sorted(old_ids - new_ids), old["studies"]),
        **row_changes(old["rows"], new["rows"], new["studies"]),
        "moved": moved_numbers(old["headline"], new["headline"]),
        "search_dates": new["search_dates"],
        "search_dates_before": old["search_dates"],
    }


def arms_per_drug(release: dict) -> dict[str, int]:
    """Study arms per drug in a release."""
    out: dict[str, int] = {}
    for study in release["studies"].values():
        out[study.get("drug", "")] = out.get(study.get("drug", ""), 0) + 1
    return dict(sorted(out.items()))


def history(folder: Path | None = None) -> list[dict]:
    """Every release with its changes from the one before, newest first."""
    releases = load_releases(folder)
    out = []
    for i, release in enumerate(releases):
        diff = changes(releases[i - 1] if i else None, release)
        out.append(
            {
                "version": release["version"],
                "date": release["date"],
                "commit": release["commit"],
                "title": release["title"],
                "notes": release["notes"],
                "arms": arms_per_drug(release),
                **{k: v for k, v in diff.items() if k not in ("to", "date")},
            }
        )
    return out[::-1]


def changes_since(version: str, folder: Path | None = None) -> dict:
    """What changed from release ``version`` to the latest release."""
    releases = {r["version"]: r for r in load_releases(folder)}
    if version not in releases:
        known = ", ".join(releases) or "none"
        raise ReleaseError(f"no data release {version!r} (releases: {known})")
    newest = latest(folder)
    assert newest is not None
    return changes(releases[version], newest)


@dataclass(frozen=True)
class Staleness:
    """The working tree's data against the latest release.

    Attributes
    ----------
    release : str or None
        Latest release version.
    changed : dict
        :func:`row_changes` plus ``studies_added``/``studies_removed`` ids; empty lists and
        dicts when the data equal the release.
    entries : list of str
        ``UNRELEASED.md`` entries.
    """

    release: str | None
    changed: dict
    entries: list[str]

    @property
    def differs(self) -> bool:
        """True when the data differ from the latest release."""
        c = self.changed
        return bool(
            c["studies_added"]
            or c["studies_removed"]
            or c["corrected"]
            or c["reworded"]
            or c["rows_added"]
            or c["rows_removed"]
        )

    @property
    def stale(self) -> bool:
        """True when the data differ and no unreleased-changes entry says so."""
        return self.differs and not self.entries


def staleness(data_dir: Path | None = None, folder: Path | None = None) -> Staleness:
    """Compare the data files with the latest release (rows only: no pooling, fast)."""
    rows, studies = data_rows(data_dir or ROOT / "tkidata" / "data")
    release = latest(folder)
    old_rows = release["rows"] if release else {}
    old_ids = set(release["studies"]) if release else set()
    changed = row_changes(old_rows, rows, studies)
    changed["studies_added"] = sorted(set(studies) - old_ids)
    changed["studies_removed"] = sorted(old_ids - set(studies))
    return Staleness(release and release["version"], changed, unreleased_entries())


# --- in words, for the What's new page -------------------------------------------------------


def _number_words(outcome: str, x: dict | None) -> str:
    from tkidata.wording import MISSING, format_interval

    if x is None:
        return MISSING
    lo, hi = x["ci"]
    return f"{format_interval(x['est'], lo, hi, months=outcome == 'pfs_median')}, k = {x['k']}"


def outcome_words(outcome: str) -> str:
    """``PFS at 6 months``, ``Grade ≥3 Hypertension`` for a headline outcome code."""
    from tkidata.wording import outcome_label

    if outcome.startswith("ae3:"):
        return f"Grade ≥3 {outcome[4:].lower()}"
    if outcome == "pfs_rate_6":
        return outcome_label("pfs_rate", 6)
    return outcome_label(outcome)


def moved_frame(diff: dict) -> pd.DataFrame:
    """Headline numbers that moved: drug, outcome, population, before, after (with k)."""
    from tkidata.wording import population_label

    return pd.DataFrame(
        [
            {
                "Drug": m["drug"].capitalize(),
                "Outcome": outcome_words(m["outcome"]),
                "Population": population_label(m["population"]),
                "Before": _number_words(m["outcome"], m["before"]),
                "After": _number_words(m["outcome"], m["after"]),
            }
            for m in diff["moved"]
        ],
        columns=["Drug", "Outcome", "Population", "Before", "After"],
    )


def studies_frame(studies: list[dict]) -> pd.DataFrame:
    """Studies added or removed: drug, study, arm, n, citation."""
    return pd.DataFrame(
        [
            {
                "Drug": s["drug"].capitalize(),
                "Study": s["study_id"],
                "Arm": s["arm"],
                "N": s["n"],
                "Citation": s["citation"],
            }
            for s in studies
        ],
        columns=["Drug", "Study", "Arm", "N", "Citation"],
    )


def corrected_frame(diff: dict) -> pd.DataFrame:
    """Values corrected: table, row, field, old, new, source of the new value."""
    return pd.DataFrame(
        [
            {
                "Table": c["table"].replace("_", " "),
                "Row": c["row"],
                "Field": c["field"].replace("_", " "),
                "Old": c["old"],
                "New": c["new"],
                "Source": c["source"],
            }
            for c in diff["corrected"]
        ],
        columns=["Table", "Row", "Field", "Old", "New", "Source"],
    )


def search_frame(diff: dict) -> pd.DataFrame:
    """Each drug's newest search date (and queries) in this release and the one before."""
    from tkidata.wording import MISSING

    drugs = sorted(set(diff["search_dates"]) | set(diff["search_dates_before"]))
    return pd.DataFrame(
        [
            {
                "Drug": d.capitalize(),
                "Searched up to": diff["search_dates"].get(d, {}).get("date") or MISSING,
                "Queries": diff["search_dates"].get(d, {}).get("queries", 0),
                "Before": diff["search_dates_before"].get(d, {}).get("date") or MISSING,
            }
            for d in drugs
        ],
        columns=["Drug", "Searched up to", "Queries", "Before"],
    )
