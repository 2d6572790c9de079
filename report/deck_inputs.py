"""Assemble a tumour-board deck's content from the analysis results of a view.

Charts are drawn by the same :mod:`report.charts` functions the pages call, from the same
results; this module only chooses what goes on which slide and writes the words around it: the
clinical question, the short method, the caveats for the speaker notes and the citations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from report.charts.ae_panel import ae_panel_matrix, ae_panel_table
from report.charts.comparison import comparison_chart
from report.charts.forest_plot import forest_chart, forest_fit, study_info_from_rows
from report.charts.hazard_ratio import hazard_ratio_table
from report.charts.style import SLIDE_TEXT
from report.colors import TKI_DRUGS, drug_label
from report.deck import (
    CONTENT_H_IN,
    ChartSlide,
    Citation,
    DeckContent,
    Slide_,
    TableSlide,
    TextSlide,
)
from report.head_to_head import HeadToHead
from report.params import DEFAULT_OUTCOMES, method_for
from report.view_tables import evidence_table
from tkidata.wording import (
    NO_AE_STUDY,
    NO_STUDY,
    QUESTION_AGE,
    QUESTION_LINE,
    QUESTION_POPULATION,
    TIER_WORDS,
    format_interval,
    is_median,
    outcome_label,
    unknown_in_words,
)

#: comparison panels per slide (two keep the drug labels at a legible size).
PANELS_PER_SLIDE = 2
#: adverse-event terms on the deck's grade ≥3 table.
AE_TERMS = 8
#: designs without a control group.
UNCONTROLLED = ("Single-arm", "Retrospective", "Case report")

NAIVE_CAVEAT = (
    "Naive cross-trial comparison: each drug's numbers come from different studies, patients "
    "and treatment lines. Differences between drugs are not randomised comparisons; only "
    "within-trial hazard ratios against each trial's control arm are anchored."
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


def _reference_text(text: str, arm: Mapping[str, Any]) -> str:
    """A citation as printed: what is unknown in clinical words ("Authors not available.",
    "(journal details not available)"), PMID or source when no DOI."""
    text = unknown_in_words(text).strip()
    if not str(arm.get("doi") or "").strip():
        pmid = arm.get("pmid")
        url = str(arm.get("source_url") or "").strip()
        if pmid is not None and not pd.isna(pmid) and str(pmid).strip():
            text += f" PMID: {int(float(pmid))}."
        elif url:
            text += f" Available from: {url}"
    return text


def citations(
    studies: pd.DataFrame, study_ids: Iterable[str], user_supplied: Iterable[str] = ()
) -> tuple[Citation, ...]:
    """Full citations of the given studies, one per publication, in order of first author.

    Study arms of one publication share one citation. A citation with no DOI gets its PMID
    (else the page read); what no page showed is said in clinical words. User-supplied ids (study
    arms of a session's what-if batch) are listed as such, never as a publication.
    """
    users = list(dict.fromkeys(str(s) for s in user_supplied))
    wanted = [s for s in dict.fromkeys(str(s) for s in study_ids) if s not in set(users)]
    arms = studies[studies["study_id"].isin(wanted)].copy()
    arms["citation"] = arms["citation"].fillna("").astype(str)
    arms["doi"] = arms["doi"].fillna("").astype(str)
    arms = arms.sort_values(["first_author", "year", "study_id"], kind="stable")
    out = []
    for (text, doi), group in arms.groupby(["citation", "doi"], sort=False):
        ids = list(group["study_id"].astype(str))
        first = group.iloc[0].to_dict()
        out.append(Citation(";".join(ids), _reference_text(text or ids[0], first), doi))
    out += [
        Citation(s, f"{s}: user-supplied data (what-if), not a published source") for s in users
    ]
    return tuple(out)


def _small_k_notes(results: Iterable[Any]) -> list[str]:
    notes = []
    for r in results:
        name = f"{drug_label(r.drug)} {outcome_label(r.outcome, r.timepoint, short=True)}"
        if r.k == 0:
            notes.append(f"{name}: {NO_STUDY}.")
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
    if uncontrolled == 0:
        return (
            f"All {total} study arm{'s' if total != 1 else ''} in this view come from randomised "
            "trials; numbers of different trials are still not randomised comparisons."
        )
    return (
        f"{uncontrolled} of {total} study arms in this view are single-arm, retrospective or case "
        "reports: without a control group, response and PFS reflect patient selection as much "
        "as the drug."
    )


def _compare_keys(compare: pd.DataFrame) -> list[tuple[str, int | None]]:
    """(outcome, timepoint) of each row of a ``tkidata.compare`` table."""
    return [
        (str(o), None if pd.isna(t) else int(t))
        for o, t in zip(compare["outcome"], compare["timepoint"], strict=True)
    ]


def _ae_study_ids(ae_by_drug: Mapping[str, pd.DataFrame]) -> list[str]:
    """Ids of the studies behind the terms the deck's AE table shows."""
    terms = set(ae_panel_table(ae_by_drug, top=AE_TERMS)["term"])
    ids: list[str] = []
    for frame in ae_by_drug.values():
        if frame is None or frame.empty:
            continue
        for cell in frame.loc[frame["term"].isin(terms), "studies"].fillna(""):
            ids += [s for s in str(cell).split(";") if s and s not in ids]
    return ids


def _number_words(
    drug: str, outcome: str, t: int | None, est: Any, lo: Any, hi: Any, k: int, tier: str = ""
) -> str:
    name = f"{drug_label(drug)} {outcome_label(outcome, t, short=True)}"
    if k == 0 or pd.isna(est):
        return f"{name}: {NO_STUDY}"
    value = format_interval(est, lo, hi, months=is_median(outcome))
    return f"{name} {value}, k = {k}" + (f", {tier.lower()}" if tier else "")


def _efficacy_slides(
    compare: pd.DataFrame,
    panel_keys: Sequence[tuple[str, int | None]],
    chosen: Sequence[Any],
) -> list[Slide_]:
    keys = _compare_keys(compare)
    pages = [
        panel_keys[i : i + PANELS_PER_SLIDE] for i in range(0, len(panel_keys), PANELS_PER_SLIDE)
    ]
    slides: list[Slide_] = []
    for i, page in enumerate(pages, start=1):
        sub = compare[[k in set(page) for k in keys]]
        suffix = f" ({i}/{len(pages)})" if len(pages) > 1 else ""
        numbers = "; ".join(
            _number_words(
                r.drug,
                r.outcome,
                r.timepoint,
                r.est,
                r.ci_lb,
                r.ci_ub,
                int(r.k),
                str(getattr(r, "tier_words", "") or ""),
            )
            for r in sub.reset_index(drop=True).itertuples()
        )
        slides.append(
            ChartSlide(
                f"Efficacy of the four TKIs: {_outcomes_words(page)}{suffix}",
                comparison_chart(sub, width=300, text=SLIDE_TEXT + 1, row_px=64, side_by_side=True),
                (
                    NAIVE_CAVEAT,
                    *_small_k_notes(r for r in chosen if (r.outcome, r.timepoint) in page),
                ),
                alt_text=(
                    f"Dot-and-interval chart, pooled {_outcomes_words(page)} with 95% CI per "
                    f"drug: {numbers}."
                ),
            )
        )
    return slides


def _ae_slide(
    ae_by_drug: Mapping[str, pd.DataFrame],
    ae_tiers: Mapping[str, str] | None = None,
    *,
    direct_only: bool = False,
) -> TableSlide | TextSlide:
    """Grade ≥3 toxicity: the most frequent terms × every TKI, "not reported" as a cell; each
    drug's events at its tier (``ae_tiers``: drug → the tier in words, as on the cards)."""
    table = ae_panel_matrix(ae_by_drug, top=AE_TERMS).fillna("not reported")
    none = NO_AE_STUDY + (" (direct evidence only)" if direct_only else "")
    tiers = tuple(
        f"{drug_label(d)}: {(ae_tiers or {}).get(d) or 'grade ≥3 events ' + none}."
        for d in TKI_DRUGS
        if ae_tiers is not None
    )
    if table.empty:
        return TextSlide(
            "Grade ≥3 adverse events",
            (f"Grade ≥3 adverse events of {', '.join(drug_label(d) for d in TKI_DRUGS)}: {none}.",),
            (AE_CAVEAT,),
            name="Adverse events",
        )
    note = (
        f"The {len(table)} terms with the highest pooled grade ≥3 incidence in any drug; each "
        "cell is the pooled incidence (95% CI) and k studies, or 'not reported' when no study "
        "of that drug reported the term."
    )
    return TableSlide(
        "Grade ≥3 adverse events: pooled incidence (95% CI)",
        table,
        (AE_CAVEAT, note, *tiers),
        name="Adverse events table",
    )


def _hr_slide(hr: pd.DataFrame, labels: Mapping[str, str]) -> TableSlide:
    """The within-trial hazard ratios: one row per trial × endpoint × population × comparison."""
    rows = hazard_ratio_table(hr, labels)
    table = pd.DataFrame(
        {
            "Drug": rows["drug_label"],
            "Comparison": rows["comparison_label"],
            "Trial": rows["trial"],
            "Endpoint": rows["endpoint"],
            "Population": rows["population_label"],
            "HR (95% CI)": rows["text"],
        }
    )
    return TableSlide(
        "Anchored comparisons: hazard ratios within randomised trials",
        table,
        (
            "Each hazard ratio compares a drug with its trial's control arm inside one "
            "randomised trial (anchored, within trial); HR < 1 favours the drug. Hazard "
            "ratios of different trials are not compared with each other.",
        ),
        name="Hazard ratios table",
    )


def _cumulative_slide(r: Any, studies: pd.DataFrame) -> ChartSlide | None:
    """The cumulative meta-analysis of a pooled proportion (by publication year), or None."""
    from report.charts.cumulative_plot import cumulative_chart
    from tkidata.living.trends import cumulative_pool, study_rows

    rows = study_rows(r, studies)
    cum = cumulative_pool(r, rows) if len(rows) >= 2 else None
    if cum is None:
        return None
    chart = cumulative_chart(cum, rows, drug=r.drug, outcome=r.outcome, timepoint=r.timepoint)
    what = f"{drug_label(r.drug)}: {outcome_label(r.outcome, r.timepoint)}"
    return ChartSlide(
        f"{what}, cumulative by publication year",
        chart,
        (
            "Each row pools the studies above it and the one it adds (metafor cumul(), the "
            "forest plot's method); the last row is the full pool.",
        ),
        alt_text=chart.description,
    )


COMPARATIVE_METHOD = (
    "Method: each drug against its own trial's control (hazard ratio from the trial report); "
    "drug against drug anchored through the shared control (Bucher; a random-effects network "
    "meta-analysis, REML, where trials connect), log hazard ratios with SE from the stated "
    "95% CI. Certainty: CINeMA's six domains, computed by fixed rules (provisional)."
)


def _comparative_slide(h2h: HeadToHead) -> TableSlide:
    """The randomised evidence and the indirect comparisons, each with its certainty."""
    rows = [
        {
            "Comparison": f"{drug_label(lead.drug)}: {lead.label.lower()}",
            "Hazard ratio (95% CI)": lead.value or "—",
            "Evidence": (f"{lead.trial}, {lead.population}" if lead.trial else lead.message),
            "Certainty (provisional)": lead.certainty or "—",
        }
        for lead in h2h.leads
    ]
    indirect = h2h.league[h2h.league["Evidence"].str.startswith("indirect")]
    rows += [
        {
            "Comparison": row["Comparison"],
            "Hazard ratio (95% CI)": f"PFS HR {row['Hazard ratio (95% CI)']}",
            "Evidence": f"{row['Evidence']} ({row['Trials']})",
            "Certainty (provisional)": row["Certainty (provisional)"],
        }
        for _, row in indirect.iterrows()
    ]
    notes = [COMPARATIVE_METHOD, *(m[:1].upper() + m[1:] + "." for m in h2h.messages)]
    if not h2h.not_analysed.empty:
        listed = "; ".join(
            f"{r['Trial']} ({r['Why not analysed']})" for _, r in h2h.not_analysed.iterrows()
        )
        notes.append(f"Listed, not analysed: {listed}.")
    return TableSlide(
        "Randomised evidence and anchored indirect comparisons",
        pd.DataFrame(rows),
        tuple(notes),
        name="Comparative evidence table",
    )


def _forest_slide(r: Any, method: Any, tier: str = "") -> ChartSlide:
    height_px = CONTENT_H_IN * 72
    chart = forest_chart(
        r.pool,
        drug=r.drug,
        outcome=r.outcome,
        timepoint=r.timepoint,
        study_info=study_info_from_rows(r.selection.rows),
        method_text=method_for(r.outcome, method, k=r.k),
        text=SLIDE_TEXT,
        row_px=forest_fit(r.pool, height_px, text=SLIDE_TEXT),
        plot_width=230,
        titled=False,
    )
    pooled = r.pool.random
    value = format_interval(pooled.est, pooled.ci_lb, pooled.ci_ub, months=is_median(r.outcome))
    i2 = "" if r.k < 2 or pd.isna(r.pool.i2) else f", I² = {r.pool.i2:.0f}%"
    what = "single study, not pooled" if r.k == 1 else f"pooled random-effects estimate {value}"
    short = tier.split(":", 1)[0].lower()  # the title flags indirect evidence; notes name all
    short = "" if short == TIER_WORDS["direct"].lower() else short
    return ChartSlide(
        f"{drug_label(r.drug)}: {outcome_label(r.outcome, r.timepoint)}"
        + (f" — {short}" if short else ""),
        chart,
        tuple(
            ([tier] if tier else [])
            + _small_k_notes([r])
            + _ft_notes([r])
            + ([r.note] if r.note else [])
        ),
        alt_text=(
            f"Forest plot of {drug_label(r.drug)} {outcome_label(r.outcome, r.timepoint)}"
            + (f" ({tier})" if tier else "")
            + f": {r.k} stud{'y' if r.k == 1 else 'ies'}, {r.n_patients} patients; {what}{i2}."
        ),
    )


def _limitations_slide(
    evidence: pd.DataFrame,
    chosen: Sequence[Any],
    user: Sequence[str],
    tiers: Mapping[tuple[str, str, int | None], str] | None = None,
) -> TextSlide:
    small = [r for r in chosen if r.k in (1, 2)]
    derived = [r for r in chosen if r.derived]
    lines = [
        "• Cross-trial comparison: " + NAIVE_CAVEAT.split(": ", 1)[1],
        "• " + _design_note(evidence),
        "• " + AE_CAVEAT,
    ]
    indirect = sorted(
        {
            words
            for words in (tiers or {}).values()
            if words and not words.startswith(TIER_WORDS["direct"])
        }
    )
    if indirect:
        lines.append(
            "• Indirect evidence: where the patient's subtype has no study of its own, numbers "
            "come from broader studies (" + "; ".join(indirect) + "), named on each number."
        )
    if small:
        names = ", ".join(
            f"{drug_label(r.drug)} {outcome_label(r.outcome, r.timepoint, short=True)} (k = {r.k})"
            for r in small
        )
        lines.append(f"• Few studies, wide uncertainty and no prediction interval: {names}.")
    if derived:
        lines.append(
            "• Some event counts are derived from reported rates (events = rate × n); they "
            "are flagged in the exported tables."
        )
    if user:
        lines.append(
            "• WHAT-IF: user-supplied studies are included (" + ", ".join(user) + "); they "
            "are not curated evidence."
        )
    lines.append(
        "• Certainty is provisional: the pooled numbers come mostly from small, uncontrolled "
        "studies and are a starting point for discussion, not a recommendation."
    )
    return TextSlide("Limitations", tuple(lines), (NAIVE_CAVEAT,), name="Limitations")


def _methods_slide(method: Any, filter_words: str, data_version: str) -> TextSlide:
    proportions = method_for("orr", method)
    medians = method_for("pfs_median", method).split(": ", 1)[-1]
    return TextSlide(
        "Methods",
        (
            f"• Proportions (ORR, DCR, landmark rates, grade ≥3 adverse events): {proportions}.",
            f"• Medians (PFS, OS, months): {medians}; standard errors from the studies' 95% "
            "CIs (from the lower limit when the upper was not reached).",
            "• Random-effects estimates with 95% CI; k = studies, N = patients; I² from "
            "Cochran's Q. A single study is shown as reported, not pooled.",
            "• Selection: one preferred report per patient cohort (overlapping reports kept as "
            "context only); case reports never pooled; a mixed-histology study contributes "
            "only what it reports for the histology chosen.",
            f"• Filters: {filter_words}.",
            f"• Data: {data_version}. Every pooled number can be recomputed with R metafor "
            "(reproduce.R in the export bundle).",
        ),
        name="Methods",
    )


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
    filter_words: str | None = None,
    hazard_ratios: pd.DataFrame | None = None,
    population_labels: Mapping[str, str] | None = None,
    patient_summary: pd.DataFrame | None = None,
    tiers: Mapping[tuple[str, str, int | None], str] | None = None,
    ae_tiers: Mapping[str, str] | None = None,
    direct_only: bool = False,
    head_to_head: Callable[[], HeadToHead | None] | None = None,
    also_cited: Sequence[str] = (),
    on_chart: Callable[[Any], None] | None = None,
    cumulative: bool = False,
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
    filter_words
        The filters in the sidebar's words (footer, title slide); default ``filters.describe()``.
    hazard_ratios
        ``tkidata.hazard_ratios`` for these filters: the anchored-comparison slide.
    population_labels
        Histology code → label, for the hazard-ratio rows.
    patient_summary
        The Compare view's first screen, one row per drug × number (clinical words): the
        patient-summary slide.
    tiers
        (drug, outcome, timepoint) → the evidence tier of each result in words
        (``tkidata.patient.tiers.tier_headline``): forest subtitles, notes and the limitations.
    ae_tiers
        Drug → the tier of its grade ≥3 adverse events in words (the AE slide's notes).
    direct_only
        Only direct evidence was tried (the words for "nothing" say so).
    head_to_head
        Makes the randomised evidence and indirect comparisons for the patient: the
        comparative slide (each drug's randomised result and every indirect comparison, with
        certainty), whose trials join the references. Called after the slide charts have gone
        to ``on_chart``, so that they are drawn while it runs.
    also_cited
        Further study ids behind numbers of the deck (the patient summary's), for the
        references.
    on_chart
        Called with each slide chart as soon as it is built (``report.figures.Prefetch``:
        the render workers draw it while the rest of the deck is built).

    Returns
    -------
    DeckContent
        Ready for :func:`report.deck.deck_bytes`: patient summary, efficacy, grade ≥3
        toxicity, hazard ratios, limitations, forests, evidence table, methods. ``user_supplied``
        holds every user-supplied study id found in the results or the AE frames.
    """
    chosen = [r for r in results if (r.outcome, r.timepoint) in set(outcomes)]
    present = set(_compare_keys(compare))
    panel_keys = [k for k in outcomes if k in present]
    words = filter_words or filters.describe()
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
    drawn = on_chart or (lambda chart: None)
    # the slide charts first, each handed on as it is built (the render workers draw them
    # while the tables and the randomised evidence are made); the slides' order is set below
    efficacy = _efficacy_slides(compare, panel_keys, chosen)
    for spec in efficacy:
        drawn(spec.chart)
    forests = [r for r in chosen if r.drug in forest_drugs and r.pool is not None]
    forests.sort(
        key=lambda r: (
            list(forest_drugs).index(r.drug),
            list(outcomes).index((r.outcome, r.timepoint)),
        )
    )
    forest_slides: list[Slide_] = []
    for r in forests:
        forest_slides.append(
            _forest_slide(r, method, (tiers or {}).get((r.drug, r.outcome, r.timepoint), ""))
        )
        drawn(forest_slides[-1].chart)
        if cumulative and (slide := _cumulative_slide(r, studies)) is not None:
            forest_slides.append(slide)
            drawn(slide.chart)
    slides: list[Slide_] = []
    if patient_summary is not None and not patient_summary.empty:
        slides.append(_patient_slide(patient_summary))
    slides += efficacy
    slides.append(_ae_slide(ae_by_drug, ae_tiers, direct_only=direct_only))
    if hazard_ratios is not None and not hazard_ratios.empty:
        slides.append(_hr_slide(hazard_ratios, population_labels or {}))
    randomised = head_to_head() if head_to_head is not None else None
    if randomised is not None and randomised.has_trials:
        slides.append(_comparative_slide(randomised))
        # each trial's experimental arm (its control arm is reported in the same publication)
        also_cited = [*also_cited, *randomised.evidence.rows["study_id"]]
    slides.append(_limitations_slide(evidence, chosen, user, tiers))
    slides += forest_slides
    what_if = " (includes user-supplied studies)" if user else ""
    slides.append(
        TableSlide(
            "Evidence table" + what_if,
            evidence.drop(columns=["study_id"]),
            name="Evidence table",
        )
    )
    slides.append(_methods_slide(method, words, data_version))
    cited = list(dict.fromkeys([*evidence["study_id"], *also_cited]))
    caveats = [NAIVE_CAVEAT, _design_note(evidence), *_ft_notes(chosen)]
    return DeckContent(
        question=clinical_question(filters, outcomes, histology=histology),
        filters=words,
        method=method.describe(),
        method_short=method.short(),
        data_version=data_version,
        date=date,
        slides=tuple(slides),
        citations=citations(studies, cited, user),
        caveats=tuple(dict.fromkeys(caveats)),
        user_supplied=tuple(user),
    )


#: columns of the patient-summary slide, from the Compare view's first-screen frame.
PATIENT_COLUMNS = ("Drug", "Outcome", "Estimate", "95% CI", "k", "N", "Evidence tier", "Certainty")


def _patient_slide(summary: pd.DataFrame) -> TableSlide:
    columns = [c for c in PATIENT_COLUMNS if c in summary.columns]
    sources = [
        f"{r['Drug']} {r['Outcome']}: {r['Studies']}"
        + (f" (certainty: {r['Certainty reasons']})" if r.get("Certainty reasons") else "")
        for r in summary.to_dict("records")
        if r.get("Studies")
    ]
    return TableSlide(
        "For this patient: what each drug offers",
        summary[columns].astype(object),
        (
            "Evidence tier says how close the studies are to this patient (direct, histology "
            "group, all sarcoma); certainty is provisional, computed from the data.",
            *sources,
        ),
        name="Patient summary",
    )
