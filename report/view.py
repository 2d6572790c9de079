"""One exported view: the filters, method and every result a deck, figure or table is drawn from.

The Export page fills an :class:`ExportView` from its cached results; the command line
(``python -m report``) fills it with :func:`compute_view`. Both then call the same functions —
:func:`view_deck_content`, :func:`view_figures`, :func:`view_tables` — so a deck built on the
command line is the deck the page builds for the same settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

import tkidata
from report import rendering
from report.charts.ae_panel import ae_panel_chart, ae_panel_matrix
from report.charts.comparison import comparison_chart
from report.charts.forest_plot import forest_chart, study_info_from_rows
from report.charts.hazard_ratio import hazard_ratio_chart, hazard_ratio_table
from report.colors import TKI_DRUGS, drug_label
from report.head_to_head import HeadToHead, head_to_head
from report.params import (
    DEFAULT_OUTCOMES,
    Outcome,
    describe_filters,
    histology_words,
    method_for,
)
from report.view_tables import pooled_results_table
from tkidata.analyses.evidence_table import evidence_table as evidence_rows
from tkidata.analyses.evidence_table import with_patient_arms
from tkidata.living.releases import data_words
from tkidata.patient.selection import label_of
from tkidata.patient.tiers import (
    DrugSummary,
    TieredNumber,
    summary_frame,
    tier_headline,
    tiered_arms,
)
from tkidata.wording import outcome_label

if TYPE_CHECKING:
    from report.deck import DeckContent


@dataclass(frozen=True, eq=False)
class ExportView:
    """Everything one exported view shows, already pooled.

    Attributes
    ----------
    evidence : tkidata.Evidence
        The validated evidence (studies, adverse events, vocabularies, version).
    filters, method
        ``tkidata.Filters`` and ``tkidata.Method`` in force.
    outcomes : tuple of (outcome, timepoint)
        Chosen outcomes: comparison panels, forests and evidence columns.
    forest_drugs : tuple of str
        Drugs that get one forest plot per chosen outcome.
    compare : pandas.DataFrame
        ``tkidata.tiered_compare`` for these filters and method: every drug × outcome at the
        patient's most direct tier (as on Compare).
    ae_by_drug : mapping of str to pandas.DataFrame
        Drug → ``tkidata.pool_adverse_events`` at grade ≥3, at the drug's tier (the cards').
    results : tuple of tkidata.OutcomeResult
        Every TKI × chosen outcome, each the pool of its tier (``numbers``), or the exact
        filters' empty pool when no tier has a study.
    hazard_ratios : pandas.DataFrame
        ``tkidata.hazard_ratios`` for these filters.
    user_supplied : tuple of str
        Ids of user-supplied (what-if) studies in any result.
    patient_summary : pandas.DataFrame or None
        ``tkidata.patient_summary_frame``: the Compare view's first screen for the patient in
        the filters (evidence tiers, certainty), in clinical words.
    direct_only : bool
        Only the direct tier was tried (the sidebar's "Direct evidence only").
    numbers : tuple of tkidata.patient.tiers.TieredNumber
        The tiered answers behind ``results``, in the same order.
    ae_tiers : mapping of str to str or None
        Drug → the tier of its grade ≥3 adverse events (None: no tier reports any).
    arms : pandas.DataFrame or None
        ``tkidata.patient.tiers.tiered_arms``: the arms behind the tiered answers and what each
        serves.
    head_to_head : report.head_to_head.HeadToHead or None
        The randomised evidence and anchored indirect comparisons for the patient (the deck's
        comparative slide, the networks ``reproduce.R`` refits), made by ``make_head_to_head``
        on first use: a deck asks for it only once its forest plots are with the render
        workers, so they draw while it is computed.
    """

    evidence: tkidata.Evidence
    filters: tkidata.Filters
    method: tkidata.Method
    outcomes: tuple[Outcome, ...]
    forest_drugs: tuple[str, ...]
    compare: pd.DataFrame
    ae_by_drug: Mapping[str, pd.DataFrame]
    results: tuple[tkidata.OutcomeResult, ...]
    hazard_ratios: pd.DataFrame
    user_supplied: tuple[str, ...] = ()
    patient_summary: pd.DataFrame | None = None
    direct_only: bool = False
    numbers: tuple[TieredNumber, ...] = ()
    ae_tiers: Mapping[str, str | None] = field(default_factory=dict)
    arms: pd.DataFrame | None = None

    def tier_words(self, tier: str | None) -> str:
        """A tier of this view's patient named in one line
        (``tkidata.patient.tiers.tier_headline``)."""
        return tier_headline(self.evidence, tier, self.filters.histology)

    make_head_to_head: Callable[[], HeadToHead | None] = field(default=lambda: None, repr=False)

    @cached_property
    def head_to_head(self) -> HeadToHead | None:
        """The randomised evidence for the patient (computed once, on first use)."""
        return self.make_head_to_head()


def compute_view(
    ev: tkidata.Evidence,
    f: tkidata.Filters,
    m: tkidata.Method,
    *,
    outcomes: Sequence[Outcome] = DEFAULT_OUTCOMES,
    forest_drugs: Sequence[str] = TKI_DRUGS,
    direct_only: bool = False,
) -> ExportView:
    """Pool everything a view shows (what the Export page takes from its caches), each number
    at the patient's most direct tier, as on Compare (``tkidata.patient.tiers``).

    Parameters
    ----------
    ev, f, m
        Evidence (a session's includes its user studies:
        ``tkidata.store.user_studies.with_user_studies``), filters and method.
    outcomes, forest_drugs
        As :class:`ExportView`.
    direct_only
        Every number shows the subtype's direct evidence only (no broader tiers).
    """
    numbers = tuple(
        tkidata.tiered_outcome(ev, d, o, f, m, timepoint=t, direct_only=direct_only)
        for d in TKI_DRUGS
        for o, t in outcomes
    )
    results = tuple(
        n.result
        if n.result is not None
        else tkidata.pool_outcome(ev, n.drug, n.outcome, f, m, timepoint=n.timepoint)
        for n in numbers
    )
    summaries = tkidata.patient_summary(ev, f, m, direct_only=direct_only)
    compare = tkidata.tiered_compare(ev, f, m, direct_only=direct_only)
    return assemble_view(
        ev,
        f,
        m,
        outcomes=outcomes,
        forest_drugs=forest_drugs,
        direct_only=direct_only,
        numbers=numbers,
        results=results,
        summaries=summaries,
        compare=compare,
        hazard_ratios=tkidata.hazard_ratios(ev, f),
        arms=tiered_arms(ev, compare, summaries),
        head_to_head=lambda: head_to_head(ev, f),
    )


def assemble_view(
    ev: tkidata.Evidence,
    f: tkidata.Filters,
    m: tkidata.Method,
    *,
    outcomes: Sequence[Outcome],
    forest_drugs: Sequence[str],
    direct_only: bool,
    numbers: tuple[TieredNumber, ...],
    results: tuple[tkidata.OutcomeResult, ...],
    summaries: Sequence[DrugSummary],
    compare: pd.DataFrame,
    hazard_ratios: pd.DataFrame,
    arms: pd.DataFrame,
    head_to_head: Callable[[], HeadToHead | None],
) -> ExportView:
    """An :class:`ExportView` from its computed parts; the fields derived from them (adverse
    events by drug and their tiers, user-supplied ids, the patient summary) are derived here,
    for :func:`compute_view` and the Export page's cached twin (``ui.cache.export_view``).
    ``head_to_head`` makes the randomised evidence when it is first asked for."""
    ae = {s.drug: s.adverse_events.table for s in summaries}
    return ExportView(
        evidence=ev,
        filters=f,
        method=m,
        outcomes=tuple(outcomes),
        forest_drugs=tuple(forest_drugs),
        compare=compare,
        ae_by_drug=ae,
        results=results,
        hazard_ratios=hazard_ratios,
        user_supplied=user_ids(results, ae),
        patient_summary=summary_frame(ev, summaries, f.histology),
        direct_only=direct_only,
        numbers=numbers,
        ae_tiers={s.drug: s.adverse_events.tier for s in summaries},
        arms=arms,
        make_head_to_head=head_to_head,
    )


def user_ids(
    results: Sequence[tkidata.OutcomeResult], ae_by_drug: Mapping[str, pd.DataFrame]
) -> tuple[str, ...]:
    """Ids of the user-supplied studies in the results and adverse-event frames, in order."""
    ids = [s for r in results for s in r.user_supplied]
    for frame in ae_by_drug.values():
        if frame is not None and "user_supplied" in frame:
            ids += [s for cell in frame["user_supplied"].fillna("") for s in str(cell).split(";")]
    return tuple(dict.fromkeys(s for s in ids if s))


def population_labels(ev: tkidata.Evidence) -> dict[str, str]:
    """Histology code → label (``lms`` → ``Leiomyosarcoma``), groups included."""
    vocab = ev.vocab.histology
    labels = dict(zip(vocab["code"], vocab["label"], strict=True))
    return {"sts": "Soft tissue sarcoma", "bone": "Bone sarcoma", **labels}


def view_deck_content(view: ExportView, *, date: str, cumulative: bool = False) -> DeckContent:
    """The tumour-board deck's content for a view (the Export page and the CLI call this).

    Starts a render worker first (:data:`report.rendering.DECK_PROCESSES`), so that it loads
    while the slide charts are made, and hands each chart on as it is built (when a core is
    idle: the second worker starts with the first chart), so that they draw while the rest is
    built.
    ``cumulative=True`` adds each forest plot's cumulative meta-analysis (by publication year).
    """
    from report.deck import CONTENT_H_IN, CONTENT_W_IN, MIN_PPI  # python-pptx: loaded on use
    from report.deck_inputs import build_deck_content
    from report.figures import Prefetch

    rendering.warm_up(rendering.DECK_PROCESSES)
    prefetch = Prefetch(box=(CONTENT_W_IN, CONTENT_H_IN), min_ppi=MIN_PPI)
    ev = view.evidence
    return build_deck_content(
        studies=ev.studies,
        data_version=data_words(ev.version),
        filters=view.filters,
        method=view.method,
        compare=view.compare,
        ae_by_drug=view.ae_by_drug,
        results=view.results,
        forest_drugs=view.forest_drugs,
        outcomes=view.outcomes,
        date=date,
        histology=histology_words(view.filters.histology),
        filter_words=describe_filters(view.filters),
        hazard_ratios=view.hazard_ratios,
        population_labels=population_labels(ev),
        patient_summary=view.patient_summary,
        tiers=result_tiers(view),
        ae_tiers={d: view.tier_words(t) for d, t in view.ae_tiers.items()},
        direct_only=view.direct_only,
        head_to_head=lambda: view.head_to_head,
        also_cited=summary_study_ids(view),
        on_chart=prefetch,
        cumulative=cumulative,
    )


def result_tiers(view: ExportView) -> dict[tuple[str, str, int | None], str]:
    """(drug, outcome, timepoint) → the tier of each result named in one line."""
    return {(n.drug, n.outcome, n.timepoint): view.tier_words(n.tier) for n in view.numbers}


def summary_study_ids(view: ExportView) -> list[str]:
    """Ids of the studies the patient summary names (its ``Studies`` column holds labels)."""
    summary = view.patient_summary
    if summary is None or summary.empty:
        return []
    named = {s.strip() for cell in summary["Studies"].fillna("") for s in str(cell).split(";")}
    ev = view.evidence
    return [sid for sid in ev.studies["study_id"] if label_of(ev, sid) in named]


def forest_results(view: ExportView) -> list[tkidata.OutcomeResult]:
    """Results that get a forest plot: pooled, of a forest drug, in drug then outcome order."""
    chosen = [r for r in view.results if r.drug in view.forest_drugs and r.pool is not None]
    return sorted(
        chosen,
        key=lambda r: (
            view.forest_drugs.index(r.drug),
            view.outcomes.index((r.outcome, r.timepoint)),
        ),
    )


def view_figures(view: ExportView) -> dict[str, alt.TopLevelMixin]:
    """Every figure of a view as shown on screen: title → chart."""
    chosen = _chosen_compare(view)
    figures: dict[str, alt.TopLevelMixin] = {}
    if not chosen.empty:
        figures["Efficacy of the four TKIs"] = comparison_chart(chosen)
    figures["Grade ≥3 adverse events"] = ae_panel_chart(view.ae_by_drug)
    if not view.hazard_ratios.empty:
        figures["Hazard ratios within randomised trials"] = hazard_ratio_chart(
            view.hazard_ratios, population_labels(view.evidence)
        )
    tiers = result_tiers(view)
    for r in forest_results(view):
        title = f"{drug_label(r.drug)}: {outcome_label(r.outcome, r.timepoint)}"
        figures[title] = forest_chart(
            r.pool,
            drug=r.drug,
            outcome=r.outcome,
            timepoint=r.timepoint,
            study_info=study_info_from_rows(r.selection.rows),
            method_text=method_for(r.outcome, view.method, k=r.k),
            tier_text=tiers.get((r.drug, r.outcome, r.timepoint), ""),
        )
    return figures


def _chosen_compare(view: ExportView) -> pd.DataFrame:
    keys = [
        (str(o), None if pd.isna(t) else int(t))
        for o, t in zip(view.compare["outcome"], view.compare["timepoint"], strict=True)
    ]
    wanted = set(view.outcomes)
    return view.compare[[k in wanted for k in keys]].reset_index(drop=True)


def view_tables(view: ExportView) -> dict[str, pd.DataFrame]:
    """Every table of a view, reader-facing columns: name → table."""
    ae = ae_panel_matrix(view.ae_by_drug)
    tables = {
        "Pooled results": pooled_results_table(view.compare),
        "Evidence table": with_patient_arms(evidence_rows(view.evidence, view.filters), view.arms)
        if view.arms is not None
        else evidence_rows(view.evidence, view.filters),
        "Grade 3+ adverse events": ae,
        "Hazard ratios": hazard_ratio_table(view.hazard_ratios, population_labels(view.evidence)),
    }
    return tables


def about_lines(view: ExportView, *, date: str) -> list[str]:
    """Filters, method, data version and date in words (README.txt, the Excel About sheet)."""
    lines = [
        f"Filters: {describe_filters(view.filters)}",
        f"Method: {view.method.describe()} ({view.method.short()})",
        f"Data: {data_words(view.evidence.version)}",
        f"Exported: {date}",
        "Proportions are fractions in [0, 1]; medians are months; I² in percent.",
    ]
    if view.user_supplied:
        lines.append("WHAT-IF: includes user-supplied studies: " + ", ".join(view.user_supplied))
    return lines
