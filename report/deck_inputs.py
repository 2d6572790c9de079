"""Assemble a tumour-board deck's content from the analysis results of a view.

Charts are drawn by the same :mod:`report.charts` functions the pages call, from the same
results; this module only chooses what goes on which slide and writes the words around it: the
clinical question, the short method, the caveats for the speaker notes and the citations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from report.charts.ae_panel import ae_panel_chart, ae_panel_table
from report.charts.comparison import comparison_chart
from report.charts.forest_plot import forest_chart, study_info_from_rows
from report.colors import TKI_DRUGS, drug_label
from report.deck import ChartSlide, Citation, DeckContent
from report.view_tables import evidence_table
from tkidata.wording import QUESTION_AGE, QUESTION_LINE, QUESTION_POPULATION, outcome_label

#: outcomes a deck shows unless the user picks others: (outcome, timepoint in months).
DEFAULT_OUTCOMES: tuple[tuple[str, int | None], ...] = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("pfs_rate", 6),
)
#: comparison panels per slide (two keep the drug labels at a legible size).
PANELS_PER_SLIDE = 2
#: plot width of the comparison and adverse-event panels on a slide (the screen default is drawn
#: narrow enough for a phone; a 16:9 slide has room for wider panels)
SLIDE_PANEL_PX = 560
#: adverse-event terms on the deck's grade ≥3 slides, and per slide (legible labels).
AE_TERMS = 8
AE_TERMS_PER_SLIDE = 4
#: designs without a control group.
UNCONTROLLED = ("Single-arm", "Retrospective", "Case report")

NAIVE_CAVEAT = (
    "Naive cross-trial comparison: each drug's numbers come from different studies, patients "
    "and treatment lines. Differences between drugs are not randomised comparisons; only "
    "within-trial hazard ratios against placebo are anchored."
)
AE_CAVEAT = (
    "Grade ≥3 events are pooled per term among the studies that reported that term; a term a "
    "study did not report is missing, not zero, so k differs between terms and drugs."
)


def _outcomes_words(outcomes: Sequence[tuple[str, int | None]]) -> str:
    names = [outcome_label(o, t, short=True) for o, t in outcomes]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def clinical_question(
    filters: Any, outcomes: Sequence[tuple[str, int | None]], *, histology: str | None = None
) -> str:
    """The question a deck answers, in words.

    Parameters
    ----------
    filters
        ``tkidata.Filters`` in force.
    outcomes
        The outcomes shown.
    histology
        Words for a subtype filter (e.g. the sidebar label ``"Osteosarcoma"``); the groups
        (all, soft tissue, bone) always read as prose ("advanced bone sarcoma").
    """
    population = QUESTION_POPULATION.get(filters.histology) or histology or filters.histology
    who = QUESTION_AGE.get(filters.age, "patients")
    design = {
        "all": "",
        "prospective": " (prospective studies only)",
        "rct": " (randomised trial arms only)",
    }[filters.design]
    regimen = "" if filters.regimen == "any" else f" as {filters.regimen}"
    drugs = ", ".join(drug_label(d) for d in TKI_DRUGS[:-1]) + f" or {drug_label(TKI_DRUGS[-1])}"
    return (
        f"For {who} with {population} in {QUESTION_LINE[filters.line]}, what "
        f"{_outcomes_words(outcomes)}, and what grade ≥3 toxicity, can be expected with "
        f"{drugs}{regimen}?{design}"
    )


def citations(
    studies: pd.DataFrame, study_ids: Iterable[str], user_supplied: Iterable[str] = ()
) -> tuple[Citation, ...]:
    """Full citations of the given studies, one per publication, in order of first author.

    Study arms of one publication share one citation. User-supplied ids are listed as such.
    """
    wanted = list(dict.fromkeys(str(s) for s in study_ids))
    arms = studies[studies["study_id"].isin(wanted)].copy()
    arms["citation"] = arms["citation"].fillna("").astype(str)
    arms["doi"] = arms["doi"].fillna("").astype(str)
    arms = arms.sort_values(["first_author", "year", "study_id"], kind="stable")
    out = []
    for (text, doi), group in arms.groupby(["citation", "doi"], sort=False):
        ids = list(group["study_id"].astype(str))
        out.append(Citation(";".join(ids), text or ids[0], doi))
    users = [s for s in dict.fromkeys(user_supplied) if s not in set(studies["study_id"])]
    out += [
        Citation(s, f"{s}: user-supplied data (what-if), not a published source") for s in users
    ]
    return tuple(out)


def _small_k_notes(results: Iterable[Any]) -> list[str]:
    notes = []
    for r in results:
        name = f"{drug_label(r.drug)} {outcome_label(r.outcome, r.timepoint, short=True)}"
        if r.k == 0:
            notes.append(f"{name}: no study under these filters.")
        elif r.k == 1:
            notes.append(f"{name}: k = 1, a single study shown as such, not a pooled estimate.")
        elif r.k == 2:
            notes.append(f"{name}: k = 2, pooled but no prediction interval; τ² is unreliable.")
    return notes


def _ft_notes(results: Iterable[Any]) -> list[str]:
    notes = []
    for r in results:
        flagged = [w for w in getattr(r.pool, "warnings", ()) if w.startswith("FT back-transform")]
        for warning in flagged:
            name = f"{drug_label(r.drug)} {outcome_label(r.outcome, r.timepoint, short=True)}"
            notes.append(
                f"{name}: {warning}. The Freeman–Tukey back-transform at one mean n can misplace "
                "the pooled proportion when study sizes differ widely; compare with the logit "
                "or GLMM preset."
            )
    return notes


def _design_note(evidence: pd.DataFrame) -> str:
    total = len(evidence)
    uncontrolled = int(evidence["Design"].isin(UNCONTROLLED).sum())
    return (
        f"{uncontrolled} of {total} study arms in this view are single-arm, retrospective or case "
        "reports: without a control group, response and PFS reflect patient selection as much "
        "as the drug."
    )


def _ae_slides(ae_by_drug: Mapping[str, pd.DataFrame]) -> list[ChartSlide]:
    """The grade ≥3 panel for the :data:`AE_TERMS` most frequent terms, a few terms a slide."""
    terms = list(dict.fromkeys(ae_panel_table(ae_by_drug, top=AE_TERMS)["term"]))
    pages = [terms[i : i + AE_TERMS_PER_SLIDE] for i in range(0, len(terms), AE_TERMS_PER_SLIDE)]
    note = (
        f"The {len(terms)} terms with the highest pooled grade ≥3 incidence in any drug, "
        f"{AE_TERMS_PER_SLIDE} per slide; each slide has its own incidence axis."
    )
    slides = []
    for i, page in enumerate(pages or [[]], start=1):
        part = {
            d: f[f["term"].isin(page)] if f is not None and not f.empty else f
            for d, f in ae_by_drug.items()
        }
        suffix = f" ({i}/{len(pages)})" if len(pages) > 1 else ""
        chart = ae_panel_chart(part, top=AE_TERMS_PER_SLIDE, width=SLIDE_PANEL_PX)
        slides.append(ChartSlide(f"Grade ≥3 adverse events{suffix}", chart, (AE_CAVEAT, note)))
    return slides


def _compare_keys(compare: pd.DataFrame) -> list[tuple[str, int | None]]:
    """(outcome, timepoint) of each row of a ``tkidata.compare`` table."""
    return [
        (str(o), None if pd.isna(t) else int(t))
        for o, t in zip(compare["outcome"], compare["timepoint"], strict=True)
    ]


def _ae_study_ids(ae_by_drug: Mapping[str, pd.DataFrame]) -> list[str]:
    """Ids of the studies behind the terms the deck's AE panel shows."""
    terms = set(ae_panel_table(ae_by_drug, top=AE_TERMS)["term"])
    ids: list[str] = []
    for frame in ae_by_drug.values():
        if frame is None or frame.empty:
            continue
        for cell in frame.loc[frame["term"].isin(terms), "studies"].fillna(""):
            ids += [s for s in str(cell).split(";") if s and s not in ids]
    return ids


def build_deck_content(
    *,
    studies: pd.DataFrame,
    data_version: str,
    filters: Any,
    method: Any,
    compare: pd.DataFrame,
    ae_by_drug: Mapping[str, pd.DataFrame],
    results: Sequence[Any],
    forest_drugs: Sequence[str],
    outcomes: Sequence[tuple[str, int | None]] = DEFAULT_OUTCOMES,
    date: str,
    histology: str | None = None,
) -> DeckContent:
    """The content of a tumour-board deck for one view.

    Parameters
    ----------
    studies
        The evidence base's ``studies`` table (citations, designs).
    data_version
        ``str(Evidence.version)``.
    filters, method
        ``tkidata.Filters`` and ``tkidata.Method`` in force.
    compare
        ``tkidata.compare`` for these filters and method (the Compare page's table).
    ae_by_drug
        Drug → ``tkidata.pool_adverse_events`` frame at grade ≥3 (the Compare page's panel).
    results
        ``OutcomeResult`` of every TKI × chosen outcome (these filters and method).
    forest_drugs
        Drugs that get a forest plot per chosen outcome.
    outcomes
        Chosen (outcome, timepoint) pairs: the comparison panels, forests and evidence columns.
    date
        Date of the export (ISO).
    histology
        Words for the histology filter, for the question.

    Returns
    -------
    DeckContent
        Ready for :func:`report.deck.deck_bytes`. ``user_supplied`` holds every user-supplied
        study id found in the results or the AE frames.
    """
    chosen = [r for r in results if (r.outcome, r.timepoint) in set(outcomes)]
    keys = _compare_keys(compare)
    present = set(keys)
    panel_keys = [k for k in outcomes if k in present]
    pages = [
        panel_keys[i : i + PANELS_PER_SLIDE] for i in range(0, len(panel_keys), PANELS_PER_SLIDE)
    ]
    slides: list[ChartSlide] = []
    for i, page in enumerate(pages, start=1):
        sub = compare[[k in set(page) for k in keys]]
        suffix = f" ({i}/{len(pages)})" if len(pages) > 1 else ""
        slides.append(
            ChartSlide(
                f"Efficacy of the four TKIs: {_outcomes_words(page)}{suffix}",
                comparison_chart(sub, width=SLIDE_PANEL_PX),
                (
                    NAIVE_CAVEAT,
                    *_small_k_notes(r for r in chosen if (r.outcome, r.timepoint) in page),
                ),
            )
        )
    slides += _ae_slides(ae_by_drug)
    forests = [r for r in chosen if r.drug in forest_drugs and r.pool is not None]
    forests.sort(
        key=lambda r: (
            list(forest_drugs).index(r.drug),
            list(outcomes).index((r.outcome, r.timepoint)),
        )
    )
    for r in forests:
        chart = forest_chart(
            r.pool,
            drug=r.drug,
            outcome=r.outcome,
            timepoint=r.timepoint,
            study_info=study_info_from_rows(r.selection.rows),
            method_text=method.short(),
        )
        slides.append(
            ChartSlide(
                f"{drug_label(r.drug)}: {outcome_label(r.outcome, r.timepoint)}",
                chart,
                tuple(_small_k_notes([r]) + _ft_notes([r]) + ([r.note] if r.note else [])),
            )
        )
    evidence = evidence_table(chosen, studies, also_cited=_ae_study_ids(ae_by_drug))
    user = list(dict.fromkeys(s for r in chosen for s in r.user_supplied))
    for frame in ae_by_drug.values():
        if frame is not None and "user_supplied" in frame:
            user += [
                s
                for cell in frame["user_supplied"].fillna("")
                for s in str(cell).split(";")
                if s and s not in user
            ]
    cited = list(evidence["study_id"])
    caveats = [NAIVE_CAVEAT, _design_note(evidence), *_ft_notes(chosen)]
    return DeckContent(
        question=clinical_question(filters, outcomes, histology=histology),
        filters=filters.describe(),
        method=method.describe(),
        method_short=method.short(),
        data_version=data_version,
        date=date,
        charts=tuple(slides),
        evidence=evidence.drop(columns=["study_id"]),
        citations=citations(studies, cited, user),
        caveats=tuple(dict.fromkeys(caveats)),
        user_supplied=tuple(user),
    )
