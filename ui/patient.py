"""The first screen of Compare: what each TKI offers the patient in the filters.

For each drug: ORR, PFS (median, or PFS-6) and the most frequent grade ≥3 adverse events, each
with its CI, k, N, evidence tier and a provisional certainty line; the design mix; and the
studies behind every number, row by row.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Mapping, Sequence

import pandas as pd
import pyarrow as pa
import streamlit as st

import tkidata
from report.colors import DRUG_COLORS, drug_label
from tkidata.patient.certainty import THRESHOLDS
from tkidata.patient.filters import LINE_WORDS
from tkidata.patient.leading import LeadingEvidence
from tkidata.patient.selection import assessment_words, label_of
from tkidata.patient.tiers import (
    DrugSummary,
    TieredNumber,
    number_text,
    reported_unpooled,
    tier_headline,
    unpooled_text,
)
from tkidata.store.validate import split_list
from tkidata.wording import (
    MISSING,
    NO_AE_STUDY,
    NO_STUDY,
    TIER_EXPLAINED,
    TIER_WORDS,
    design_label,
    format_ci,
    format_value,
    outcome_label,
)
from ui.cache import TieredSafety, evidence, histology_labels, session_evidence, view_part

CAVEAT = (
    "Naive cross-trial comparison: each drug was studied in different, mostly single-arm trials "
    "with different patients, so differences between columns are not treatment effects."
)

HEAD_TO_HEAD_PAGE = "pages/head_to_head.py"
"""The randomised evidence and anchored comparisons, linked from the cross-trial caveat."""

_INK = "#31333f"
_MUTED = "#4b4f5c"  # 8.2:1 on white (WCAG AA text needs 4.5:1)


def patient_words(f: tkidata.Filters) -> str:
    """The patient in the filters, in words: ``"second-line leiomyosarcoma"``."""
    labels = histology_labels()
    histology = {"all": "sarcoma (any histology)"}.get(f.histology) or labels.get(
        f.histology, f.histology
    )
    histology = histology[0].lower() + histology[1:] if histology[1:2].islower() else histology
    line = {"first": "first-line ", "second": "second-line ", "later": "third-line or later "}
    return f"{line.get(f.line, '')}{histology}"


def question(f: tkidata.Filters) -> str:
    """The clinic question of the view."""
    regimen = {"monotherapy": "", "any": " (any regimen)"}.get(f.regimen, f" ({f.regimen})")
    return (
        f"Advanced {patient_words(f)}{regimen}: what response, progression-free survival and "
        "grade ≥3 toxicity can be expected with each TKI?"
    )


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number_html(number: TieredNumber) -> str:
    label = outcome_label(number.outcome, number.timepoint, short=True)
    est, ci = number_text(number)
    res = number.result
    if not number.has_evidence or res is None:
        return (
            f"<div class='tki-num'><div class='tki-label'>{_esc(label)}</div>"
            f"<div class='tki-value tki-none'>{MISSING}</div>"
            f"<div class='tki-meta'>{NO_STUDY}</div></div>"
        )
    if number.has_number:
        k_text = "single study, not pooled" if res.k == 1 else f"k = {res.k}"
        n_text = f"N = {res.n_patients:,}" if res.n_patients else "N not reported"
        if res.n_unknown and res.n_patients:
            n_text += f" + {len(res.n_unknown)} subgroup(s) of unstated size"
        meta = f"95% CI {ci} · {k_text} · {n_text}"
    else:
        count = len(number_reports(number))
        meta = (
            f"range of {count} medians reported without a CI: not pooled"
            if count > 1
            else "reported without a CI: not pooled"
        )
    tier = number.tier_words
    flag = " · assessments mixed" if number.mixed_assessment else ""
    certainty = number.certainty
    cert_html = ""
    if certainty is not None:
        reasons = "".join(f"<li>{_esc(r)}</li>" for r in certainty.reasons) or (
            "<li>no serious concern found</li>"
        )
        cert_html = (
            f"<details class='tki-cert'><summary>Certainty: <b>{_esc(certainty.level)}</b> "
            f"<span class='tki-prov'>(provisional, computed)</span></summary>"
            f"<ul>{reasons}</ul></details>"
        )
    secondary = number.secondary_sources
    if secondary:
        names = "; ".join(secondary)
        shown = names if len(secondary) == 1 else f"{len(secondary)} of {res.k} studies"
        cert_html = (
            f"<div class='tki-tier tki-secondary' title='{_esc(names)}'>secondary source: "
            f"{_esc(shown)}</div>" + cert_html
        )
    also = _unpooled(number, limit=1) if number.has_number else ""
    also_html = f"<div class='tki-meta'>{_esc(also)}</div>" if also else ""
    return (
        f"<div class='tki-num'><div class='tki-label'>{_esc(label)}</div>"
        f"<div class='tki-value'>{_esc(est)}</div>"
        f"<div class='tki-meta'>{_esc(meta)}</div>"
        f"<div class='tki-tier tki-tier-{_esc(number.tier)}'>{_esc(tier)}{_esc(flag)}</div>"
        f"{also_html}{cert_html}</div>"
    )


def number_reports(number: TieredNumber) -> pd.DataFrame:
    """The reported, unpooled values behind a number that has no pool."""
    return reported_unpooled(number.result) if number.result is not None else pd.DataFrame()


def _lead_html(lead: LeadingEvidence) -> str:
    """The top of a card: the drug's randomised evidence for the patient (or that it has none),
    its provisional certainty, other trials of the drug, and its guideline standing."""
    if lead.status == "randomised":
        reasons = "".join(f"<li>{_esc(r)}</li>" for r in lead.certainty_reasons)
        if lead.others:
            reasons += f"<li>Other randomised trials: {_esc('; '.join(lead.others))}</li>"
        level = lead.certainty or "not assessable"
        body = (
            f"<div class='tki-lead-value'>{_esc(lead.value)}</div>"
            f"<div class='tki-meta'>{_esc(lead.trial)} · {_esc(lead.population)}</div>"
            f"<details class='tki-cert'><summary>Certainty: <b>{_esc(level)}</b> "
            f"<span class='tki-prov'>(provisional)</span></summary>"
            f"<ul>{reasons}</ul></details>"
        )
    else:
        body = f"<div class='tki-meta'>{_esc(lead.message)}</div>"
    return (
        f"<div class='tki-lead'><div class='tki-label'>{_esc(lead.label)}</div>{body}"
        f"<div class='tki-standing'><b>Standing:</b> {_esc(lead.standing)}</div></div>"
        "<div class='tki-section'>Pooled study arms (not comparative)</div>"
    )


def lead_line(lead: LeadingEvidence) -> str:
    """One drug's leading evidence as one markdown line (Head to head)."""
    name = drug_label(lead.drug)
    if lead.status != "randomised":
        return f"**{name}**: {lead.label.lower()} ({lead.message}). Standing: {lead.standing}."
    certainty = lead.certainty or "not assessable"
    return (
        f"**{name}**: {lead.label.lower()}: **{lead.value}**, {lead.trial}, {lead.population} "
        f"· certainty {certainty} (provisional) · standing: {lead.standing}."
    )


def _ae_html(summary: DrugSummary) -> str:
    ae = summary.adverse_events
    if ae.table.empty:
        return (
            "<div class='tki-num'><div class='tki-label'>Grade ≥3 adverse events</div>"
            f"<div class='tki-meta'>{NO_AE_STUDY}</div></div>"
        )
    items = []
    for _, row in ae.top(3).iterrows():
        k = int(row["k"])
        items.append(
            f"<li><b>{_esc(str(row['term']))}</b> {_esc(format_value(row['est']))} "
            f"<span class='tki-meta'>(k = {k}, N = {int(row['n']):,})</span></li>"
        )
    return (
        "<div class='tki-num'><div class='tki-label'>Grade ≥3 adverse events, most frequent</div>"
        f"<ul class='tki-ae'>{''.join(items)}</ul>"
        f"<div class='tki-tier tki-tier-{_esc(ae.tier)}'>{_esc(ae.tier_words)}</div></div>"
    )


_STYLE = f"""
<style>
@media (min-width: 641px) {{ [data-testid="stMainBlockContainer"] {{ padding-top: 1.5rem; }} }}
[data-testid="stMainBlockContainer"] h1 {{ font-size: 1.4rem; line-height: 1.3; padding-top: 0; }}
.tki-card {{ color: {_INK}; line-height: 1.25; }}
.tki-head {{ font-size: 1.25rem; font-weight: 700; padding-top: 4px; margin-bottom: 2px; }}
.tki-num {{ margin: 0 0 0.55rem 0; }}
.tki-label {{ font-size: 0.82rem; font-weight: 600; text-transform: none; color: {_MUTED}; }}
.tki-value {{ font-size: 1.55rem; font-weight: 700; }}
.tki-none {{ color: {_MUTED}; }}
.tki-meta {{ font-size: 0.8rem; color: {_MUTED}; }}
.tki-tier {{ display: inline-block; font-size: 0.75rem; font-weight: 600; border-radius: 4px;
  padding: 0 5px; margin-top: 1px; border: 1px solid {_MUTED}; color: {_INK}; }}
.tki-tier-direct {{ background: #e6f2ea; }}
.tki-tier-group {{ background: #fff3d6; }}
.tki-tier-all {{ background: #fde4e1; }}
.tki-secondary {{ background: #ececf4; font-weight: 500; }}
.tki-cert {{ font-size: 0.8rem; color: {_INK}; }}
.tki-cert summary {{ cursor: pointer; }}
.tki-cert ul, .tki-ae {{ margin: 0 0 0 1.1rem; padding: 0; }}
.tki-ae li {{ font-size: 0.85rem; margin: 0; }}
.tki-prov {{ color: {_MUTED}; font-weight: 400; }}
.tki-mix {{ font-size: 0.78rem; color: {_MUTED}; }}
.tki-lead {{ margin: 0 0 0.3rem 0; padding: 2px 6px; background: #f3f6fb;
  border-left: 3px solid {_MUTED}; }}
.tki-lead-value {{ font-size: 1.1rem; font-weight: 700; }}
.tki-standing {{ font-size: 0.8rem; color: {_INK}; }}
.tki-section {{ font-size: 0.72rem; font-weight: 600; color: {_MUTED}; letter-spacing: 0.02em;
  border-bottom: 1px solid #d5d7de; margin-bottom: 0.2rem; }}
</style>
"""


def summary_cards(
    summaries: Sequence[DrugSummary],
    *,
    state: Hashable,
    leads: Sequence[LeadingEvidence] = (),
) -> None:
    """One compact card per drug, side by side (stacked on a phone).

    ``state`` names what the summaries depend on (filters, method, direct-only): each card's
    HTML and drill-down rows are made once per state. ``leads`` (one per drug, in the same
    order) open each card with the drug's randomised evidence and guideline standing.
    """
    st.markdown(_STYLE, unsafe_allow_html=True)
    columns = st.columns(len(summaries), gap="small")
    by_drug = {lead.drug: lead for lead in leads}
    for summary, column in zip(summaries, columns, strict=True):
        lead = by_drug.get(summary.drug)
        card = view_part(
            ("card", state, summary.drug, lead), lambda s=summary, x=lead: _card_html(s, x)
        )
        column.markdown(card, unsafe_allow_html=True)
    for summary, column in zip(summaries, columns, strict=True):
        with column, st.popover("Studies behind these numbers", width="stretch"):
            drill_down(summary, state=state)


def _card_html(summary: DrugSummary, lead: LeadingEvidence | None = None) -> str:
    name = _esc(drug_label(summary.drug))
    return "".join(
        [
            f"<div class='tki-card' role='group' aria-label='{name}'>"
            f"<div class='tki-head' style='border-top:6px solid "
            f"{DRUG_COLORS[summary.drug]}'>{name}</div>",
            _lead_html(lead) if lead is not None else "",
            _number_html(summary.numbers["orr"]),
            _number_html(summary.pfs),
            _ae_html(summary),
            f"<div class='tki-mix'>Designs behind these numbers: "
            f"{_esc(summary.design_mix(session_evidence()))}</div></div>",
        ]
    )


def ae_tiers(summaries: Sequence[DrugSummary]) -> str:
    """Each drug's adverse-event tier in words: ``"Anlotinib: Direct evidence; ..."``."""
    return (
        "; ".join(
            f"{drug_label(s.drug)}: {s.adverse_events.tier_words.lower()}"
            for s in summaries
            if s.adverse_events.tier
        )
        or "no drug reports grade ≥3 events for this patient"
    )


def tier_line(tier: str | None, histology: str) -> str:
    """``tkidata.patient.tiers.tier_headline``: the tier a page shows, named in one line."""
    return view_part(
        ("tier_line", tier, histology), lambda: tier_headline(evidence(), tier, histology)
    )


def tier_choice(
    answer: TieredNumber, at_tiers: Mapping[str, tkidata.OutcomeResult], *, key: str
) -> str:
    """Name the tier that answers for the patient (as on Compare) and offer the other tiers.

    Parameters
    ----------
    answer
        The patient's number (``tkidata.tiered_outcome``): its tier is shown first.
    at_tiers
        Tier → the pool at that tier (``tkidata.patient.tiers.outcome_at_tiers``), most direct
        first.
    key
        Widget key prefix; the choice resets when the patient, drug or outcome changes.

    Returns
    -------
    str
        The tier chosen (the answering tier unless the reader picked another).
    """
    tiers = list(at_tiers)
    histology = next(iter(at_tiers.values())).filters.histology if at_tiers else "all"
    default = answer.tier if answer.tier in tiers else tiers[0]
    state = (answer.drug, answer.outcome, answer.timepoint, answer.tried, tuple(tiers))
    if len(tiers) == 1:
        chosen = tiers[0]
    else:
        chosen = st.radio(
            "Evidence tier shown",
            tiers,
            index=tiers.index(default),
            format_func=lambda t: (
                f"{TIER_WORDS[t]} (k = {at_tiers[t].k})"
                + (" · answers for this patient" if t == answer.tier else "")
            ),
            horizontal=True,
            key=f"{key}_{abs(hash(state))}",
            help="The patient's number comes from the most direct tier with a study "
            "(direct, then histology group, then all sarcoma), as on Compare.",
        )
    if answer.tier is None:
        return chosen
    line = tier_line(chosen, histology)
    if chosen == answer.tier:
        st.markdown(f"**{_md(line)}**, as on Compare.")
    else:
        st.markdown(
            f"**{_md(line)}**: another tier. The number for this patient comes from "
            f"{TIER_WORDS[answer.tier].lower()} (k = {at_tiers[answer.tier].k})."
        )
    return chosen


def safety_tiers(safety: TieredSafety, histology: str, *, direct_only: bool = False) -> str:
    """Each drug's adverse-event tier, one Markdown bullet per drug: the tier named in words,
    or :data:`NO_STUDY` in the cards' words."""
    lines = []
    for drug, grade3 in safety.grade3.items():
        any_grade = safety.any_grade[drug]
        name = f"**{drug_label(drug)}**"
        if grade3.tier is not None:
            top = ", ".join(str(t).lower() for t in grade3.top()["term"])
            lines.append(
                f"- {name}: {_md(tier_line(grade3.tier, histology))} (most frequent grade ≥3: "
                f"{_md(top)})"
            )
            continue
        none = NO_AE_STUDY + (" (direct evidence only)" if direct_only else "")
        if any_grade.tier is not None:
            lines.append(
                f"- {name}: grade ≥3 events {none}; all grades: "
                f"{_md(tier_line(any_grade.tier, histology))}"
            )
        else:
            lines.append(f"- {name}: adverse events {none}")
    return "\n".join(lines)


def _md(text: str) -> str:
    """Text safe inside Markdown emphasis (no stray markup from labels)."""
    return text.replace("*", "\\*").replace("_", "\\_")


def tier_legend(f: tkidata.Filters) -> str:
    """What the tiers mean for this patient, one line."""
    if f.histology == "all":
        return "All numbers are direct evidence: every sarcoma study that fits the filters."
    labels = histology_labels()
    subtype = labels.get(f.histology, f.histology).lower()
    group = {"sts": "soft-tissue", "bone": "bone"}
    group_code = (
        f.histology if f.histology in group else evidence().vocab.histology_group(f.histology)
    )
    parts = [f"Direct evidence = {TIER_EXPLAINED['direct']}"]
    if f.histology not in ("sts", "bone"):
        words = TIER_EXPLAINED["group"].format(
            group=group.get(group_code or "", "histology-group"), subtype=subtype
        )
        parts.append(f"histology group = {words}")
    parts.append("all sarcoma = " + TIER_EXPLAINED["all"].format(subtype=subtype))
    return "; ".join(parts) + "."


def _doi_url(doi: object) -> str | None:
    return f"https://doi.org/{doi}" if isinstance(doi, str) and doi else None


def _arm_columns(ev: tkidata.Evidence, study_id: str) -> dict[str, object]:
    arms = ev.studies.set_index("study_id")
    if study_id not in arms.index:
        return {
            "Study": f"{study_id} (user)",
            "Citation": "user-supplied (what-if), not curated",
            "Design": MISSING,
            "Line enrolled": MISSING,
            "DOI": None,
        }
    arm = arms.loc[study_id]
    line = LINE_WORDS.get(str(arm["line"]), "not reported")
    if isinstance(arm["line_reported"], str) and arm["line_reported"]:
        line = f"{line} ({arm['line_reported']})"
    return {
        "Study": label_of(ev, study_id),
        "Citation": arm["citation"],
        "Design": design_label(arm["design"]),
        "Line enrolled": line,
        "DOI": _doi_url(arm["doi"]),
    }


def _number_key(number: TieredNumber) -> tuple[object, ...]:
    """What a number's drill-down depends on (its result carries the filters and method)."""
    result = number.result
    state = (result.filters, result.method, result.study_ids) if result is not None else None
    return (number.drug, number.outcome, number.timepoint, number.tier, number.tried, state)


def number_rows(number: TieredNumber) -> pd.DataFrame:
    """The exact rows behind one number: citation, design, line and DOI first, then the
    population, events, n and estimate that entered the pool (built once per state)."""
    return view_part(("number_rows", _number_key(number)), lambda: _number_rows(number))


def _unpooled(number: TieredNumber, limit: int | None = None) -> str:
    """:func:`unpooled_text`, built once per state."""
    key = ("unpooled", _number_key(number), limit)
    if limit is None:
        return view_part(key, lambda: unpooled_text(number))
    return view_part(key, lambda: unpooled_text(number, limit=limit))


def _number_rows(number: TieredNumber) -> pd.DataFrame:
    ev = session_evidence()
    rows = number.pooled_rows()
    labels = histology_labels()
    records = []
    for _, row in rows.iterrows():
        rec = _arm_columns(ev, str(row["study_id"]))
        if number.months:
            value = format_value(row["estimate"], months=True)
        elif pd.notna(row["events"]):
            value = f"{int(row['events'])}/{int(row['n'])}"
        else:
            value = format_value(row["estimate"])
        rec.update(
            {
                "Population": labels.get(str(row["population"]), "All enrolled"),
                "n": None if pd.isna(row["n"]) else int(row["n"]),
                "Reported": value,
                "95% CI (reported)": format_ci(row["ci_low"], row["ci_high"], months=number.months)
                if pd.notna(row["ci_low"])
                else MISSING,
                "Assessment": assessment_words(row["assessment"], row["assessment_week"]),
                "Where in the source": row["location"],
            }
        )
        records.append(rec)
    return pd.DataFrame(records)


def ae_rows(summary: DrugSummary, *, state: Hashable) -> pd.DataFrame:
    """The exact adverse-event rows behind the top grade ≥3 terms shown (built once per state)."""
    return view_part(("ae_rows", state, summary.drug), lambda: _ae_rows(summary))


def _arrow(key: tuple[object, ...], frame: pd.DataFrame) -> pa.Table:
    """A drill-down table as Arrow, converted once per state (``st.dataframe`` sends Arrow)."""
    return view_part(("arrow", *key), lambda: pa.Table.from_pandas(frame, preserve_index=False))


def _ae_rows(summary: DrugSummary) -> pd.DataFrame:
    ev = session_evidence()
    top = summary.adverse_events.top(3)
    records = []
    for _, term_row in top.iterrows():
        ids = split_list(term_row["studies"])
        aes = ev.adverse_events
        mine = aes[aes["study_id"].isin(ids) & (aes["term"] == term_row["term"])]
        for _, row in mine[mine["grade"] == "3plus"].iterrows():
            rec = _arm_columns(ev, str(row["study_id"]))
            rec.update(
                {
                    "Term": row["term"],
                    "As reported": row["term_reported"],
                    "Events": None if pd.isna(row["events"]) else int(row["events"]),
                    "n": int(row["n"]),
                    "Where in the source": row["location"],
                }
            )
            records.append(rec)
    return pd.DataFrame(records)


_CONFIG = {
    "DOI": st.column_config.LinkColumn("DOI", display_text=r"https://doi\.org/(.*)"),
    "Citation": st.column_config.TextColumn("Citation", width="large"),
}


def _number_block(number: TieredNumber, heading: str, *, key: str) -> None:
    """A number in words, then the exact rows behind it and what was reported but not pooled."""
    est, ci = number_text(number)
    st.markdown(f"**{heading}: {est}** ({ci}) · {number.tier_words}")
    rows = number_rows(number)
    if rows.empty:
        st.caption(_unpooled(number) or "No study reports it for this patient.")
        return
    st.dataframe(
        _arrow(("number_rows", _number_key(number)), rows),
        hide_index=True,
        column_config=_CONFIG,
        key=key,
    )
    also = _unpooled(number)
    if also:
        st.caption(also)


def drill_down(summary: DrugSummary, *, state: Hashable) -> None:
    """The rows behind every number of one drug's card (inside its popover)."""
    for number in (summary.numbers["orr"], summary.pfs):
        label = outcome_label(number.outcome, number.timepoint, short=True)
        _number_block(number, label, key=f"drill_{summary.drug}_{number.outcome}")
    st.markdown(f"**Grade ≥3 adverse events** · {summary.adverse_events.tier_words}")
    aes = ae_rows(summary, state=state)
    if aes.empty:
        st.caption("No study of this drug reports grade ≥3 events for this patient.")
    else:
        st.dataframe(
            _arrow(("ae_rows", state, summary.drug), aes),
            hide_index=True,
            column_config=_CONFIG,
            key=f"drill_{summary.drug}_ae",
        )


def parse_number(text: str | None) -> tuple[str, str, int | None] | None:
    """``"anlotinib:pfs_rate:6"`` → ``("anlotinib", "pfs_rate", 6)``; None when malformed."""
    if not text:
        return None
    parts = text.split(":")
    outcomes = ("orr", "dcr", "pfs_median", "os_median", "pfs_rate", "os_rate")
    if len(parts) not in (2, 3) or parts[1] not in outcomes:
        return None
    if parts[0] not in evidence().vocab.tki_drugs:
        return None
    t = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else None
    if (parts[1].endswith("_rate")) != (t is not None):
        return None
    return parts[0], parts[1], t


def number_section(number: TieredNumber) -> None:
    """The exact rows behind one number, with the number itself (Evidence page)."""
    label = outcome_label(number.outcome, number.timepoint, short=True)
    heading = f"The rows behind {drug_label(number.drug)} {label}"
    _number_block(number, heading, key="evidence_number_rows")


def methods_section() -> None:
    """How studies are matched to a patient, the tiers, and the certainty rules (Methods page)."""
    st.markdown(
        "**Line.** Each study records the range of lines it enrolled, derived from its own "
        "wording (kept beside it): a trial of patients “after failure of at least one prior "
        "regimen” spans the second line and later. A patient's line matches every study whose "
        "range contains it; “Include trials of a span of lines: No” keeps only trials of exactly "
        "that line. A study that reports a subgroup of the patient's line contributes that "
        "subgroup.\n\n"
        "**Histology.** Subtype → soft tissue or bone → all sarcoma. For each drug and outcome "
        "the view shows the most direct evidence there is and names its tier: *direct* (the "
        "subtype's own cohort or a subgroup reported for it, with its own n), *histology group* "
        "(soft-tissue or bone studies that may have enrolled the subtype but report it only "
        "mixed; a study whose listed subtypes exclude it is left out), *all sarcoma* (bone and "
        "soft-tissue sarcoma together). “Direct evidence only” shows the first tier alone. "
        "Desmoid tumours and GIST are not part of soft-tissue sarcoma evidence.\n\n"
        "**Assessment.** Best overall response is pooled apart from response at a fixed week, "
        "and Kaplan–Meier landmark rates apart from crude or 12-week rates; “Allow mixing” pools "
        "them together and flags the number. Medians or rates reported without a CI are listed "
        "under the number (“also reported, not pooled”), never dropped; a single study is shown "
        "as such, not as a pooled estimate."
    )
    st.markdown(
        "**Certainty (provisional, computed).** GRADE for prognosis and incidence (Iorio et al., "
        "BMJ 2015;350:h870) starts cohorts of patients at high certainty for what happens to such "
        "patients, and rates down one level per serious concern. The app computes each domain "
        "from the data; read it as a prompt for judgement, not a verdict, and disagree with the "
        "thresholds below where your judgement differs. Cross-drug comparisons of separate "
        "single-arm studies stay naive whatever the certainty of each number."
    )
    names = {
        "risk_of_bias": "Risk of bias",
        "inconsistency": "Inconsistency",
        "imprecision": "Imprecision",
        "indirectness": "Indirectness",
        "publication_bias": "Publication bias",
    }
    st.table(
        pd.DataFrame(
            {"Domain": [names[k] for k in THRESHOLDS], "Rule": list(THRESHOLDS.values())}
        ).set_index("Domain")
    )
    st.caption(
        "Levels: High (no concern), Moderate (rated down once), Low (twice), Very low (three "
        "times or more). Each domain is rated down at most twice."
    )
