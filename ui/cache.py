"""Cached access to the evidence and every analysis the pages show.

The evidence is loaded once per data fingerprint (file names, sizes and modification times: a
stat, not a read), so an edit by a curator shows up on the next rerun and an unchanged rerun
never re-reads a file. Every pooled result is cached on (fingerprint, drug, outcome, filters,
method), so changing one filter re-pools only what depends on it. A session with user-supplied
studies (``ui.user_studies``) sees its own evidence (:func:`session_evidence`: the curated
evidence with those studies merged in as a batch), and every analysis is held per evidence
fingerprint (the data fingerprint and the studies' digest): one session's studies never answer
another session's request.

Results of the curated data alone (the evidence, Compare's patient summary, tiered table and
adverse-event panel, the hazard ratios) are also kept on disk (``persist="disk"``, keyed by the
same data fingerprint, which includes a digest of the code), so a restarted server answers its
first visitor without re-validating and re-pooling; rows a user supplied are never written to
disk.

What a view draws is cached too (:func:`chart_view`): the Altair chart, its Vega-Lite JSON and the
table it draws, keyed by the view, the filters, the method and the session's user studies. A
rerun the server has seen then neither builds nor serialises a chart (building and ``to_dict``
are most of a rerun's cost); pages draw the cached JSON with ``st.vega_lite_chart``. Views of the
curated data alone are kept on disk as well, so a restarted server builds no chart for its first
page.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import cachetools
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

import tkidata
from core import EggerResult, ProportionPool, SubgroupPool
from report.colors import TKI_DRUGS
from report.head_to_head import HeadToHead
from report.head_to_head import head_to_head as build_head_to_head
from report.view_tables import reader_table
from tkidata import (
    Filters,
    Method,
    OutcomeResult,
    hazard_ratios,
    patient_summary,
    pool_outcome,
    reproduction_table,
    tiered_compare,
)
from tkidata.analyses.coverage import search_counts as search_counts_of
from tkidata.analyses.evidence_table import evidence_table as evidence_rows
from tkidata.analyses.evidence_table import with_patient_arms
from tkidata.analyses.presets import preset_comparison as presets_side_by_side
from tkidata.analyses.reproduction import held_studies as held_studies_of
from tkidata.analyses.sensitivity import egger_for, leave_one_out_pools, subgroup_pool
from tkidata.patient.leading import LeadingEvidence, leading_evidence
from tkidata.patient.tiers import (
    DrugSummary,
    TieredAdverseEvents,
    TieredNumber,
    adverse_events_at_tier,
    outcome_at_tiers,
    tiered_adverse_events,
    tiered_arms,
    tiered_outcome,
)
from tkidata.store.loader import DATA_DIR
from tkidata.store.user_studies import with_user_studies
from tkidata.store.vocab import VOCAB_DIR
from ui import user_studies

if TYPE_CHECKING:  # Altair and the export view load with the first chart or export
    import altair as alt

    from report.view import ExportView

Fingerprint = tuple[tuple[str, int, int], ...]
T = TypeVar("T")


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:  # a dangling link: the loader refuses it with a message
        return str(path), -1, -1
    return str(path), info.st_size, info.st_mtime_ns


FINGERPRINT_SECONDS = 1.0
"""How long a data fingerprint is reused: a curator's edit shows within a second, and a rerun
(which asks for it once per cached analysis) lists the folders at most once."""
_fingerprint: tuple[float, Fingerprint] | None = None
_fingerprint_lock = threading.Lock()


_builds = threading.local()


def builds() -> int:
    """How many values this thread built on a miss of a :class:`Memo` so far (a rerun runs in
    one thread: the difference over a rerun says whether it was served from the caches)."""
    return getattr(_builds, "count", 0)


class Memo:
    """A bounded, thread-safe, in-process LRU of shared values, keyed by plain hashable keys.

    For what every rerun asks for: Python's own ``hash`` of a key of frozen dataclasses and
    tuples takes microseconds, where ``st.cache_resource`` hashes every argument with its own
    hasher (a tenth of a millisecond and more per call, dozens of calls per rerun). Values are
    shared by every session (no copy): read-only. Two sessions missing the same key at once may
    both build it; the first value stored wins.
    """

    def __init__(self, maxsize: int) -> None:
        self._cache: cachetools.LRUCache[Hashable, Any] = cachetools.LRUCache(maxsize)
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value held for ``key``, built by ``build`` (outside the lock) when missing."""
        with self._lock:
            try:
                return self._cache[key]
            except KeyError:
                pass
        _builds.count = builds() + 1
        value = build()
        with self._lock:
            return self._cache.setdefault(key, value)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


_results = Memo(1024)
"""Analyses the pages ask for (over the ``st.cache_data`` layers, which copy on every call)."""
_chart_view = Memo(512)
_view_part = Memo(2048)


def _code_version() -> str:
    """A digest of the app's Python source: disk-cached results never outlive the code."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(
        p for d in ("core", "tkidata", "report", "ui") for p in (root / d).rglob("*.py")
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()


CODE_VERSION = _code_version()


def _scan() -> Fingerprint:
    entries = sorted([*DATA_DIR.glob("*"), *DATA_DIR.glob("*/*"), *VOCAB_DIR.glob("*.csv")])
    return ((f"code {CODE_VERSION}", 0, 0), *(_stat(p) for p in entries))


def data_fingerprint() -> Fingerprint:
    """(path, size, mtime) of every entry of the data folder and its batches, and the vocabulary.

    Every entry counts (not only ``*.csv``), so that a file the loader would refuse (an
    upper-case ``.CSV``, a nested batch) is noticed as soon as it appears. The folders are
    listed at most once per :data:`FINGERPRINT_SECONDS` for all sessions.
    """
    global _fingerprint
    with _fingerprint_lock:
        now = time.monotonic()
        if _fingerprint is None or now - _fingerprint[0] > FINGERPRINT_SECONDS:
            scanned = _scan()
            if _fingerprint is not None and scanned != _fingerprint[1]:
                for memo in (_results, _chart_view, _view_part):  # nothing of old data lingers
                    memo.clear()
            _fingerprint = (now, scanned)
        return _fingerprint[1]


@st.cache_data(show_spinner="Loading the evidence…", max_entries=2, persist="disk")
def _load(fingerprint: Fingerprint) -> tkidata.Evidence:
    return tkidata.load()


@st.cache_resource(show_spinner=False, max_entries=2)
def _shared(fingerprint: Fingerprint) -> tkidata.Evidence:
    return _load(fingerprint)


def evidence() -> tkidata.Evidence:
    """The validated evidence (raises ``tkidata.DataValidationError`` on invalid data).

    One object per data fingerprint shared by every caller and session (``st.cache_resource``
    over the disk-persisted ``_load``): pages ask for it many times per rerun, and a
    ``st.cache_data`` copy of the whole evidence per call cost more than the rerun itself.
    Read-only: pandas copy-on-write keeps every derived frame from changing it.
    """
    return _held(("evidence",), lambda: _shared(data_fingerprint()), users=False)


def _held(
    key: tuple[Hashable, ...], build: Callable[[], T], *, memo: Memo = _results, users: bool = True
) -> T:
    """``build()``, held in ``memo`` per data, ``key`` and (with ``users``) the session's user
    studies: shared by every session with the same key, read-only."""
    return memo.get((data_fingerprint(), user_studies.token() if users else "", *key), build)


def session_evidence() -> tkidata.Evidence:
    """The evidence this session sees: the curated evidence with the session's user studies
    merged in as one batch (``tkidata.store.user_studies.with_user_studies``), or the curated
    evidence itself when there are none.

    One object per evidence fingerprint (the data fingerprint and the digest of the user
    studies, :func:`_held`'s key), shared by every session holding the same studies; one
    session's studies never reach another's evidence.
    """
    studies = user_studies.held()
    if studies is None:
        return evidence()
    return _held(("session_evidence",), lambda: with_user_studies(evidence(), studies))


def _analysis(
    key: tuple[Hashable, ...],
    compute: Callable[[tkidata.Evidence], T],
    curated: Callable[[Fingerprint], T] | None = None,
) -> T:
    """``compute(session_evidence())``, held per ``key`` and evidence fingerprint. Without user
    studies ``curated`` (a disk-persisted cache of the curated data's answer), when given,
    answers instead, so a restarted server answers its first visitor without re-pooling."""

    def build() -> T:
        if curated is not None and not user_studies.token():
            return curated(data_fingerprint())
        return compute(session_evidence())

    return _held(key, build)


def outcome_result(
    drug: str, outcome: str, f: Filters, m: Method, timepoint: int | None = None
) -> OutcomeResult:
    """``tkidata.pool_outcome`` for one drug and outcome."""
    return _analysis(
        ("outcome", drug, outcome, timepoint, f, m),
        lambda ev: pool_outcome(ev, drug, outcome, f, m, timepoint=timepoint),
    )


@st.cache_data(show_spinner=False, max_entries=32, persist="disk")
def _hazard_ratios(fp: Fingerprint, f: Filters) -> pd.DataFrame:
    return hazard_ratios(_shared(fp), f)


def hazard_ratio_table(f: Filters) -> pd.DataFrame:
    """``tkidata.hazard_ratios``: within-trial HRs vs placebo (anchored comparisons)."""
    return _held(("hazard_ratios", f), lambda: _hazard_ratios(data_fingerprint(), f), users=False)


@st.cache_data(show_spinner=False, max_entries=32)
def _evidence_table(fp: Fingerprint, f: Filters) -> pd.DataFrame:
    return evidence_rows(_shared(fp), f)


def evidence_table(f: Filters) -> pd.DataFrame:
    """Every study arm with its key outcomes and whether it passes the filters."""
    return _held(("evidence_table", f), lambda: _evidence_table(data_fingerprint(), f), users=False)


def subgroups(result: OutcomeResult, by: str) -> SubgroupPool | None:
    """Subgroup analysis of a pooled proportion by histology, line or design."""
    return _analysis(
        (
            "subgroups",
            result.drug,
            result.outcome,
            result.timepoint,
            result.filters,
            result.method,
            by,
        ),
        lambda ev: subgroup_pool(ev, result, by),
    )


def sensitivity(
    result: OutcomeResult,
) -> tuple[tuple[ProportionPool, ...] | None, EggerResult | None]:
    """Leave-one-out pools and Egger's test of a pooled proportion (None where k is too small)."""
    return _analysis(
        (
            "sensitivity",
            result.drug,
            result.outcome,
            result.timepoint,
            result.filters,
            result.method,
        ),
        lambda ev: (leave_one_out_pools(result), egger_for(result)),
    )


def preset_comparison(f: Filters, direct_only: bool = False) -> pd.DataFrame:
    """ORR, DCR and top grade ≥3 AEs of every drug under the three presets, with flags, each
    at the patient's tier (as on Compare)."""
    return _analysis(
        ("presets", f, direct_only),
        lambda ev: presets_side_by_side(ev, f, tiered=True, direct_only=direct_only),
    )


@st.cache_data(show_spinner="Reproducing the published analyses…", max_entries=4)
def _reproduction(fp: Fingerprint) -> pd.DataFrame:
    return reproduction_table(_shared(fp))


def reproduction() -> pd.DataFrame:
    """``tkidata.reproduction_table``: published vs reproduced here."""
    return _reproduction(data_fingerprint())


#: the outcomes of the Compare page: (outcome, timepoint in months)
COMPARE_OUTCOMES: tuple[tuple[str, int | None], ...] = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("pfs_rate", 6),
    ("os_rate", 12),
)


def _in_compare_order(table: pd.DataFrame) -> pd.DataFrame:
    parts = [
        table[
            (table["outcome"] == o)
            & (table["timepoint"].isna() if t is None else table["timepoint"].eq(t).fillna(False))
        ]
        for o, t in COMPARE_OUTCOMES
    ]
    return pd.concat(parts, ignore_index=True)


def export_view(
    f: Filters,
    m: Method,
    outcomes: Sequence[tuple[str, int | None]],
    forest_drugs: Sequence[str],
    direct_only: bool = False,
) -> ExportView:
    """The exported view (deck, figures, tables, bundle) assembled from the cached results,
    every number at the patient's tier as on Compare (``report.view.compute_view``'s twin)."""
    from report.view import assemble_view

    numbers = tuple(
        tiered_number(d, o, t, f, m, direct_only) for d in TKI_DRUGS for o, t in outcomes
    )
    results = tuple(
        n.result if n.result is not None else outcome_result(n.drug, n.outcome, f, m, n.timepoint)
        for n in numbers
    )
    return assemble_view(
        session_evidence(),
        f,
        m,
        outcomes=outcomes,
        forest_drugs=forest_drugs,
        direct_only=direct_only,
        numbers=numbers,
        results=results,
        summaries=summary(f, m, direct_only),
        compare=tiered_table(f, m, direct_only),
        hazard_ratios=hazard_ratio_table(f),
        arms=patient_arms(f, m, direct_only),
        head_to_head=lambda: head_to_head(f),
    )


@st.cache_data(show_spinner=False, max_entries=32, persist="disk")
def _summary_curated(
    fp: Fingerprint, f: Filters, m: Method, direct_only: bool
) -> tuple[DrugSummary, ...]:
    return patient_summary(_shared(fp), f, m, direct_only=direct_only)


def summary(f: Filters, m: Method, direct_only: bool) -> tuple[DrugSummary, ...]:
    """``tkidata.patient_summary``: the first screen for the patient in the filters.

    Without user-supplied studies the answer comes from the disk cache on a restarted server:
    the first number shows without re-pooling.
    """
    return _analysis(
        ("summary", f, m, direct_only),
        lambda ev: patient_summary(ev, f, m, direct_only=direct_only),
        lambda fp: _summary_curated(fp, f, m, direct_only),
    )


@st.cache_data(show_spinner=False, max_entries=32, persist="disk")
def _tiered_curated(fp: Fingerprint, f: Filters, m: Method, direct_only: bool) -> pd.DataFrame:
    return tiered_compare(_shared(fp), f, m, direct_only=direct_only)


def tiered_table(f: Filters, m: Method, direct_only: bool) -> pd.DataFrame:
    """``tkidata.tiered_compare``: every drug × outcome at the patient's most direct tier."""
    return _analysis(
        ("tiered_table", f, m, direct_only),
        lambda ev: tiered_compare(ev, f, m, direct_only=direct_only),
        lambda fp: _tiered_curated(fp, f, m, direct_only),
    )


def tiered_view(f: Filters, m: Method, direct_only: bool) -> pd.DataFrame:
    """``tkidata.tiered_compare`` rows shown on Compare, in :data:`COMPARE_OUTCOMES` order."""
    return _held(
        ("tiered_view", f, m, direct_only),
        lambda: _in_compare_order(tiered_table(f, m, direct_only)),
    )


def tiered_number(
    drug: str, outcome: str, timepoint: int | None, f: Filters, m: Method, direct_only: bool
) -> TieredNumber:
    """``tkidata.tiered_outcome``: one number at its most direct tier (the Evidence drill-down)."""
    return _analysis(
        ("tiered_number", drug, outcome, timepoint, f, m, direct_only),
        lambda ev: tiered_outcome(
            ev, drug, outcome, f, m, timepoint=timepoint, direct_only=direct_only
        ),
    )


def tier_results(
    drug: str, outcome: str, timepoint: int | None, f: Filters, m: Method, direct_only: bool
) -> tuple[tuple[str, OutcomeResult], ...]:
    """``tkidata.patient.tiers.outcome_at_tiers``: one number's pool at every tier of the patient's
    ladder (Forest's tier choice; :func:`tiered_number` says which tier answers)."""
    return _analysis(
        ("tier_results", drug, outcome, timepoint, f, m, direct_only),
        lambda ev: outcome_at_tiers(
            ev, drug, outcome, f, m, timepoint=timepoint, direct_only=direct_only
        ),
    )


@dataclass(frozen=True, eq=False)
class TieredSafety:
    """Safety for the patient: per drug, grade ≥3 events at the cards' tier and all-grade
    events at the same tier (their own most direct tier when no grade ≥3 event is reported)."""

    grade3: Mapping[str, TieredAdverseEvents]
    any_grade: Mapping[str, TieredAdverseEvents]


def safety(f: Filters, m: Method, direct_only: bool) -> TieredSafety:
    """The Safety page's adverse events at each drug's tier (the cards' grade ≥3 tier)."""

    def build(ev: tkidata.Evidence) -> TieredSafety:
        grade3 = {s.drug: s.adverse_events for s in summary(f, m, direct_only)}
        any_grade = {
            drug: adverse_events_at_tier(ev, drug, f, m, ae.tier, grade="any")
            if ae.tier is not None
            else tiered_adverse_events(ev, drug, f, m, grade="any", direct_only=direct_only)
            for drug, ae in grade3.items()
        }
        return TieredSafety(grade3, any_grade)

    return _analysis(("safety", f, m, direct_only), build)


def patient_arms(f: Filters, m: Method, direct_only: bool) -> pd.DataFrame:
    """``tkidata.patient.tiers.tiered_arms``: the arms behind the patient's tiered answers (every
    outcome's number and the grade ≥3 events) and what each serves, at which tier."""
    return _analysis(
        ("patient_arms", f, m, direct_only),
        lambda ev: tiered_arms(ev, tiered_table(f, m, direct_only), summary(f, m, direct_only)),
    )


def patient_evidence_table(f: Filters, m: Method, direct_only: bool) -> pd.DataFrame:
    """:func:`evidence_table` with the arms behind the patient's tiered answers marked
    (``enters_pools``) and what each serves at which tier (``serves``)."""
    return _held(
        ("patient_evidence_table", f, m, direct_only),
        lambda: with_patient_arms(evidence_table(f), patient_arms(f, m, direct_only)),
    )


def search_counts() -> pd.DataFrame:
    """``tkidata.analyses.coverage.search_counts``: PRISMA counts per drug from the search log."""
    return _held(("search_counts",), lambda: search_counts_of(evidence()), users=False)


def held_studies() -> pd.DataFrame:
    """``tkidata.analyses.reproduction.held_studies``: published studies we hold, per
    meta-analysis."""
    return _held(("held_studies",), lambda: held_studies_of(evidence()), users=False)


@st.cache_data(show_spinner=False, max_entries=2)
def _histology_labels(fp: Fingerprint) -> dict[str, str]:
    vocab = _shared(fp).vocab
    labels = dict(zip(vocab.histology["code"], vocab.histology["label"], strict=True))
    return {"sts": "Soft tissue sarcoma", "bone": "Bone sarcoma", **labels}


def histology_labels() -> dict[str, str]:
    """Histology code → label (``lms`` → ``Leiomyosarcoma``), groups included."""
    return _held(("histology_labels",), lambda: _histology_labels(data_fingerprint()), users=False)


@st.cache_data(show_spinner=False, max_entries=2)
def _version(fp: Fingerprint) -> tkidata.DataVersion:
    return _shared(fp).version


def version() -> tkidata.DataVersion:
    """Date, git revision, hash and counts of the data in force."""
    return _held(("version",), lambda: _version(data_fingerprint()), users=False)


@st.cache_data(show_spinner=False, max_entries=2)
def _vocab(fp: Fingerprint) -> tkidata.Vocab:
    return _shared(fp).vocab


def vocab() -> tkidata.Vocab:
    """The controlled vocabularies of the data in force."""
    return _held(("vocab",), lambda: _vocab(data_fingerprint()), users=False)


@st.cache_data(show_spinner="Loading the evidence…", max_entries=2)
def _problems(fp: Fingerprint) -> str | None:
    try:
        _shared(fp)
    except tkidata.DataValidationError as err:
        return str(err)
    return None


def data_problems() -> str | None:
    """Why the curated data do not validate (the capped message), or None when they do.

    Cheap on every rerun: the answer is cached per data fingerprint, so the frame need not
    copy the whole evidence out of the cache just to check it.
    """
    return _held(("problems",), lambda: _problems(data_fingerprint()), users=False)


@dataclass(frozen=True)
class VegaLite:
    """One drawing of a chart as Streamlit is sent it.

    Attributes
    ----------
    spec : str
        The Vega-Lite JSON (``chart.to_dict()``) without the data, kept as text so no caller can
        change the cached spec.
    datasets : tuple of (str, bytes)
        The spec's named datasets as Arrow IPC bytes, converted once (Streamlit passes bytes
        through instead of converting the rows on every rerun).
    """

    spec: str
    datasets: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, chart: alt.TopLevelMixin) -> VegaLite:
        """Serialise ``chart`` once (not validated here: validating against the Vega-Lite schema
        was a sixth of an exploring reader's rerun; every chart builder's spec is validated by
        the chart tests, and every page's drawn specs by ``tests/test_app_pages.py``)."""
        spec = chart.to_dict(validate=False)
        datasets = tuple(
            (str(name), dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(rows)))
            for name, rows in spec.pop("datasets", {}).items()
        )
        return cls(json.dumps(spec), datasets)

    def as_dict(self) -> dict[str, object]:
        """A fresh spec dict for ``st.vega_lite_chart`` (datasets as Arrow bytes)."""
        spec = json.loads(self.spec)
        if self.datasets:
            spec["datasets"] = dict(self.datasets)
        return spec


@dataclass(frozen=True)
class ChartView:
    """What one chart of a view draws, built once per view state.

    Attributes
    ----------
    chart : altair.TopLevelMixin
        The chart, for the figure downloads (rendered to files only when a reader clicks).
    drawn : VegaLite
        The chart as the page draws it.
    table : pandas.DataFrame
        The numbers the chart draws (its ``*_table`` twin); treat as read-only.
    reader : pyarrow.Table
        That table as readers see it (``report.view_tables.reader_table``), as Arrow for the
        "Table" tab's ``st.dataframe``.
    narrow : VegaLite or None
        The same numbers in a layout that fits a phone (a forest plot's study, plot and
        estimate columns), for charts too wide to be read when scaled down to a phone's width.
    """

    chart: alt.TopLevelMixin
    drawn: VegaLite
    table: pd.DataFrame
    reader: pa.Table
    narrow: VegaLite | None = None

    def vega_lite(self) -> dict[str, object]:
        """A fresh spec dict for ``st.vega_lite_chart`` (the full layout)."""
        return self.drawn.as_dict()


#: builds ``(chart, table)``, or ``(chart, table, phone_chart)`` for a chart with a phone layout
ChartBuilder = Callable[
    [], "tuple[alt.TopLevelMixin, pd.DataFrame, *tuple[alt.TopLevelMixin, ...]]"
]


def _build_chart_view(build: ChartBuilder) -> ChartView:
    chart, table, *narrow = build()
    reader = pa.Table.from_pandas(reader_table(table), preserve_index=False)
    phone = VegaLite.of(narrow[0]) if narrow else None
    return ChartView(chart, VegaLite.of(chart), table, reader, phone)


def chart_view(view: Hashable, f: Filters, m: Method, build: ChartBuilder) -> ChartView:
    """The chart and table of one view, built by ``build`` only the first time.

    Parameters
    ----------
    view
        Everything besides the filters, the method, the data and the session's user studies
        that the chart depends on, e.g. ``("forest", drug, outcome, timepoint)``.
    f, m
        The filters and method in force.
    build
        Builds ``(chart, table)`` from the cached analyses, or ``(chart, table, phone_chart)``
        for a chart with a phone layout; called on a cache miss.

    Returns
    -------
    ChartView
        Shared by every session in the same state (:class:`Memo`: no copy per rerun); the
        session's user studies are part of the key.
    """

    def build_view() -> ChartView:
        if user_studies.token():
            return _build_chart_view(build)
        return _curated_chart_view(data_fingerprint(), view, f, m, build)

    return _held((view, f, m), build_view, memo=_chart_view)


@st.cache_data(show_spinner=False, max_entries=256, persist="disk")
def _curated_chart_view(
    fp: Fingerprint, view: Hashable, f: Filters, m: Method, _build: ChartBuilder
) -> ChartView:
    """A view of the curated data alone, also kept on disk: a restarted server draws its first
    page without building a chart (building and serialising one takes a few tenths of a second).
    ``view`` names the builder (Streamlit does not hash ``_build``)."""
    return _build_chart_view(_build)


def view_part(view: Hashable, build: Callable[[], T]) -> T:
    """A table or text a view draws, built by ``build`` once per view key, data and user studies.

    For what is drawn on every rerun but derived from cached analyses (the rows behind a
    number, a note listing unpooled studies): ``view`` must name everything it depends on
    besides the data and the session's user studies. The value is shared (no copy): read-only.
    """
    return _held((view,), build, memo=_view_part)


@st.cache_data(show_spinner=False, max_entries=32, persist="disk")
def _leading(fp: Fingerprint, f: Filters) -> tuple[LeadingEvidence, ...]:
    return leading_evidence(_shared(fp), f)


def leading(f: Filters) -> tuple[LeadingEvidence, ...]:
    """``tkidata.patient.leading.leading_evidence``: what each drug's card leads with (randomised
    evidence, its certainty, guideline standing), curated data only."""
    return _held(("leading", f), lambda: _leading(data_fingerprint(), f), users=False)


@st.cache_data(show_spinner="Analysing the randomised trials…", max_entries=16, persist="disk")
def _head_to_head(fp: Fingerprint, f: Filters) -> HeadToHead:
    return build_head_to_head(_shared(fp), f)


def head_to_head(f: Filters) -> HeadToHead:
    """``report.head_to_head.head_to_head``: the Head-to-head page's evidence, curated data."""
    return _held(("head_to_head", f), lambda: _head_to_head(data_fingerprint(), f), users=False)
