"""Clinical wording in one place: the words and number formats every reader sees.

Every table, chart, slide and export takes its labels (outcome, population and histology, grade,
design, line, regimen, age group, assessment, extraction level, method settings) and its number
formats (percentages, months, intervals, p values, hazard ratios) from here, so a page and its
export say the same thing and no code such as ``pfs_median`` or ``lms`` reaches a reader.
Proportions are fractions in [0, 1]; medians are months.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

from tkidata.store.codes import REGULATORS

MISSING = "—"
"""What an empty cell shows (never "None", "nan" or "<NA>")."""

OUTCOME_LABELS: dict[str, str] = {
    "orr": "Objective response rate",
    "dcr": "Disease control rate",
    "pfs_median": "Median PFS",
    "os_median": "Median OS",
    "pfs_rate": "PFS rate",
    "os_rate": "OS rate",
    "hr_pfs": "Hazard ratio for PFS",
    "hr_os": "Hazard ratio for OS",
}
OUTCOME_SHORT: dict[str, str] = {
    "orr": "ORR",
    "dcr": "DCR",
    "pfs_median": "Median PFS",
    "os_median": "Median OS",
    "pfs_rate": "PFS",
    "os_rate": "OS",
    "hr_pfs": "PFS",
    "hr_os": "OS",
}
DESIGN_LABELS: dict[str, str] = {
    "rct_arm": "RCT arm",
    "single_arm": "Single-arm",
    "retrospective": "Retrospective",
    "case_report": "Case report",
    "user_supplied": "User-supplied",
}
LINE_LABELS: dict[str, str] = {
    "first": "First line",
    "second": "Second line",
    "later": "Third line or later",
    "first_second": "First or second line",
    "second_later": "Second line or later",
    "any": "Any line",
    "mixed": "Mixed lines",
}
HISTOLOGY_GROUP_LABELS: dict[str, str] = {
    "all": "All sarcoma",
    "sts": "Soft tissue sarcoma",
    "bone": "Bone sarcoma",
    "mixed": "Mixed histology",
}
REGIMEN_LABELS: dict[str, str] = {
    "monotherapy": "Monotherapy",
    "maintenance": "Maintenance",
    "combination": "Combination",
    "any": "Any regimen",
}
AGE_LABELS: dict[str, str] = {
    "adult": "Adults",
    "paediatric": "Children",
    "mixed": "Adults and children",
    "all": "All ages",
}
EXTRACTION_LABELS: dict[str, str] = {
    "full_text": "Full text",
    "abstract": "Abstract",
    "conference_abstract": "Conference abstract",
    "registry": "Registry",
    "secondary": "Meta-analysis table",
    "quoted": "Quoted by another paper",
}
ASSESSMENT_LABELS: dict[str, str] = {
    "bor": "Best overall response",
    "week": "Status at week {week}",
    "km": "Kaplan–Meier estimate",
    "crude": "Crude proportion at the visit",
}
GRADE_LABELS: dict[str, str] = {"any": "All grades", "3plus": "Grade ≥3"}

# method settings: labels for widgets and tables (sentence words live in Method.describe)
PRESET_LABELS: dict[str, str] = {
    "reference": "As the reference analysis (Stata metaprop_one): FT + DL + Wilson",
    "meta": "R meta default: logit GLMM, Clopper–Pearson",
    "metafor": "metafor: logit REML + HKSJ",
}
PRESET_SHORT: dict[str, str] = {
    "reference": "Reference (Stata metaprop_one)",
    "meta": "R meta (logit GLMM)",
    "metafor": "metafor (logit REML + HKSJ)",
}
TRANSFORM_LABELS: dict[str, str] = {
    "PFT": "Freeman–Tukey double arcsine",
    "PLO": "Logit",
    "GLMM": "Logit GLMM (binomial–normal, ML)",
    "PAS": "Arcsine",
    "PRAW": "Untransformed proportion",
    "PLN": "Log",
}
TAU2_LABELS: dict[str, str] = {
    "DL": "DerSimonian–Laird",
    "REML": "REML",
    "PM": "Paule–Mandel",
    "ML": "Maximum likelihood",
}
TEST_LABELS: dict[str, str] = {"z": "Wald z", "knha": "Hartung–Knapp–Sidik–Jonkman"}
STUDY_CI_LABELS: dict[str, str] = {"wilson": "Wilson score", "exact": "Clopper–Pearson exact"}
MEAN_N_LABELS: dict[str, str] = {
    "harmonic": "Harmonic mean",
    "geometric": "Geometric mean",
    "arithmetic": "Arithmetic mean",
}
SCALE_LABELS: dict[str, str] = {
    "PFT": "Freeman–Tukey double-arcsine scale",
    "PLO": "logit scale",
    "PAS": "arcsine scale",
    "PRAW": "proportion scale",
    "PLN": "log scale",
}
"""Analysis scales in words (funnel plots, Egger's test)."""

QUESTION_POPULATION: dict[str, str] = {
    "all": "advanced sarcoma",
    "sts": "advanced soft tissue sarcoma",
    "bone": "advanced bone sarcoma",
}
"""Histology filters as the clinical question of a deck says them."""
QUESTION_LINE: dict[str, str] = {
    "any": "any treatment line",
    "first": "first line",
    "second": "second line",
    "later": "third line or later",
}
QUESTION_AGE: dict[str, str] = {"all": "patients", "adult": "adults", "paediatric": "children"}

TRUNCATED_AT_ZERO = "lower limit truncated at 0 months"
"""Said wherever an interval of a time would otherwise run below zero."""


def is_missing(x: Any) -> bool:
    """Return True for ``None``, NaN and ``pd.NA`` (and False for anything ``pd.isna`` rejects)."""
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def is_median(outcome: str) -> bool:
    """Return True for outcomes measured in months (medians) rather than proportions."""
    return outcome.endswith("_median")


def _words(labels: Mapping[str, str], code: Any) -> str:
    """Look a code up; an unknown code reads as words, never as ``snake_case``."""
    if is_missing(code) or code == "":
        return MISSING
    text = str(code)
    return labels.get(text, text.replace("_", " ").capitalize())


def outcome_label(outcome: str, timepoint: float | None = None, *, short: bool = False) -> str:
    """Return a reader-facing outcome name: ``("pfs_rate", 6)`` → ``"PFS at 6 months"``."""
    names = OUTCOME_SHORT if short else OUTCOME_LABELS
    name = names.get(outcome, outcome.replace("_", " "))
    if outcome.endswith("_rate") and timepoint is not None and not is_missing(timepoint):
        return (
            f"{OUTCOME_SHORT[outcome]}-{int(timepoint)}"
            if short
            else (f"{OUTCOME_SHORT[outcome]} at {int(timepoint)} months")
        )
    if short and outcome in ("orr", "dcr"):
        return name
    if not short and outcome in ("orr", "dcr"):
        return f"{name} ({OUTCOME_SHORT[outcome]})"
    return name


def design_label(design: str | None) -> str:
    """Return the display label of a study design code."""
    if design is None or (isinstance(design, float) and math.isnan(design)):
        return MISSING
    return DESIGN_LABELS.get(str(design), str(design).replace("_", " "))


def line_label(line: Any) -> str:
    """Return an enrolled line range in words: ``second_later`` → ``"Second line or later"``."""
    return _words(LINE_LABELS, line)


def regimen_label(regimen: Any) -> str:
    """Return a regimen code in words."""
    return _words(REGIMEN_LABELS, regimen)


def age_label(age: Any) -> str:
    """Return an age-group code in words."""
    return _words(AGE_LABELS, age)


def extraction_label(level: Any) -> str:
    """Return an extraction level in words: ``conference_abstract`` → ``"Conference abstract"``."""
    return _words(EXTRACTION_LABELS, level)


def grade_label(grade: Any) -> str:
    """Return an adverse-event grade band in words: ``3plus`` → ``"Grade ≥3"``."""
    return _words(GRADE_LABELS, grade)


def assessment_label(assessment: Any, week: Any = None) -> str:
    """Return how a proportion was read, in words: ``("week", 12)`` → ``"Status at week 12"``."""
    text = _words(ASSESSMENT_LABELS, assessment)
    return text.format(week=int(week)) if "{week}" in text and not is_missing(week) else text


def preset_label(preset: Any, *, short: bool = False) -> str:
    """Return a method preset's name (``short``: for table cells and legends)."""
    return _words(PRESET_SHORT if short else PRESET_LABELS, preset)


@lru_cache(maxsize=1)
def _subtype_labels() -> dict[str, str]:
    """Subtype code → label from the shipped ``histology.csv``, read once per process."""
    from tkidata.store.vocab import histology_rows

    return {row["code"]: row["label"] for row in histology_rows()}


def population_label(code: Any, subtypes: Mapping[str, str] | None = None) -> str:
    """Return a population or histology code in words: ``lms`` → ``"Leiomyosarcoma"``.

    Parameters
    ----------
    code
        ``all``, a histology group (``sts``, ``bone``, ``mixed``) or a subtype code of
        ``tkidata/vocab/histology.csv``.
    subtypes
        Subtype code → label; by default the shipped vocabulary.
    """
    if is_missing(code) or code == "":
        return MISSING
    text = str(code)
    if text in HISTOLOGY_GROUP_LABELS:
        return HISTOLOGY_GROUP_LABELS[text]
    return _words(_subtype_labels() if subtypes is None else subtypes, text)


def format_value(value: float | None, *, months: bool = False) -> str:
    """Format one proportion as ``"32.1%"`` or one median as ``"7.8 mo"``; missing → ``"—"``."""
    if is_missing(value):
        return MISSING
    return f"{value:.1f} mo" if months else f"{100 * value:.1f}%"


def format_count(value: Any) -> str:
    """Format a count (patients, studies): ``42``; missing → ``"—"``."""
    return MISSING if is_missing(value) else f"{int(value)}"


def format_percent(value: Any, *, digits: int = 0) -> str:
    """Format a number that is already a percent (I², weights): ``"63%"``; missing → ``"—"``."""
    return MISSING if is_missing(value) else f"{float(value):.{digits}f}%"


def format_interval(
    est: float | None, lo: float | None, hi: float | None, *, months: bool = False
) -> str:
    """Format an estimate with its interval: ``"32.1% (25.0–40.2)"`` or ``"7.8 (6.1–9.5) mo"``.

    A months interval whose lower limit is below zero is shown from 0, and says so.
    """
    if is_missing(est):
        return MISSING
    scale = 1.0 if months else 100.0
    unit = " mo" if months else "%"
    head = f"{scale * est:.1f}"
    if is_missing(lo) or is_missing(hi):
        return f"{head}{unit}" if not months else f"{head} mo (CI not reported)"
    if not months:
        return f"{head}{unit} ({scale * lo:.1f}–{scale * hi:.1f})"
    if lo < 0:
        return f"{head} (0.0–{hi:.1f}) mo, {TRUNCATED_AT_ZERO}"
    return f"{head} ({lo:.1f}–{hi:.1f}) mo"


def format_ci(lo: float | None, hi: float | None, *, months: bool = False) -> str:
    """Format an interval alone: ``"7.2–12.7%"`` or ``"4.9–7.4 mo"``; missing → ``"—"``.

    A time cannot be negative: a months interval whose lower limit is below zero is shown from
    0 with :data:`TRUNCATED_AT_ZERO`.
    """
    if is_missing(lo) or is_missing(hi):
        return MISSING
    if months:
        if lo < 0:
            return f"0.0–{hi:.1f} mo ({TRUNCATED_AT_ZERO})"
        return f"{lo:.1f}–{hi:.1f} mo"
    return f"{100 * lo:.1f}–{100 * hi:.1f}%"


def format_difference(value: Any, *, months: bool = False) -> str:
    """Format a difference: ``"+1.2 points"`` (proportions) or ``"−0.40 mo"``; missing → ``"—"``."""
    if is_missing(value):
        return MISSING
    number = f"{value:+.2f} mo" if months else f"{100 * value:+.1f} points"
    return number.replace("-", "−")


def format_pvalue(p: float | None) -> str:
    """Format a p value for readers: ``"p < 0.001"``, ``"p = 0.04"``."""
    if is_missing(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def format_hazard_ratio(est: Any, lo: Any, hi: Any) -> str:
    """Format a hazard ratio with its CI: ``"0.46 (0.31–0.68)"``; missing CI → ``"0.46"``."""
    if is_missing(est):
        return MISSING
    if is_missing(lo) or is_missing(hi):
        return f"{float(est):.2f}"
    return f"{float(est):.2f} ({float(lo):.2f}–{float(hi):.2f})"


TIER_WORDS: dict[str, str] = {
    "direct": "Direct evidence",
    "group": "Histology group",
    "all": "All sarcoma",
}
"""Evidence tiers in words (see :mod:`tkidata.patient.tiers`)."""

TIER_EXPLAINED: dict[str, str] = {
    "direct": "the subtype's own cohort or a reported subgroup of it",
    "group": "{group} studies that enrolled {subtype} but report it only mixed",
    "all": "mixed bone and soft-tissue sarcoma studies that may have enrolled {subtype}",
}
"""What each tier means, for captions (``{group}`` and ``{subtype}`` are filled in)."""

TIER_HEADLINE: dict[str, str] = {
    "direct": "Direct evidence: {subtype} cohorts or subgroups reported on their own",
    "group": "Histology group: {group} studies, {subtype} not reported separately",
    "all": "All sarcoma: bone and soft-tissue sarcoma studies, {subtype} not reported separately",
}
"""The tier a page shows, named in one line (``{group}`` and ``{subtype}`` are filled in)."""

NO_STUDY = "no study reports it for this patient"
"""What every page says when no tier has any evidence for a number (the same words on the
cards, Forest, Safety, the exports and the deck)."""

NO_STUDY_DIRECT = "no study reports it for this patient (direct evidence only)"
""":data:`NO_STUDY` when the direct-evidence-only switch is on."""


NO_AE_STUDY = "not reported by any study for this patient (not the same as none)"
"""What every page says of adverse events no tier reports (the cards, Safety, the deck)."""


def no_study(subject: str, *, direct_only: bool = False) -> str:
    """``"Anlotinib, ORR: no study reports it for this patient"`` (see :data:`NO_STUDY`)."""
    return f"{subject}: {NO_STUDY_DIRECT if direct_only else NO_STUDY}"


DESIGN_SHORT: dict[str, str] = {
    "rct_arm": "RCT",
    "single_arm": "prospective",
    "retrospective": "retrospective",
}
"""Designs in the few words of a design mix ("2 RCT · 1 prospective")."""

GROUP_WORDS: dict[str, str] = {
    "sts": "soft-tissue sarcoma",
    "bone": "bone sarcoma",
    "all": "sarcoma",
}
"""Histology groups in running text."""


def design_mix(designs: list[str]) -> str:
    """Designs of the studies behind a number in words: ``"1 RCT · 2 retrospective"``."""
    counts = {key: designs.count(key) for key in DESIGN_SHORT}
    parts = [f"{n} {DESIGN_SHORT[key]}" for key, n in counts.items() if n]
    return " · ".join(parts) if parts else MISSING


# --- randomised comparisons -------------------------------------------------------------------


def _node_parts(node: str) -> list[str]:
    return [part for part in str(node).split("+") if part]


def comparison_label(experimental: str, anchor: str, setting: str = "treatment") -> str:
    """What a randomised comparison estimates, in words.

    ``anlotinib`` vs ``placebo`` → ``"vs placebo"``; ``anlotinib`` vs ``dacarbazine`` →
    ``"vs dacarbazine"``; an add-on trial names what was added to what:
    ``pazopanib+gemcitabine`` vs ``pazopanib`` → ``"adding gemcitabine to pazopanib"``,
    ``anlotinib+epirubicin`` vs ``placebo+epirubicin`` → ``"adding anlotinib to epirubicin"``.
    A maintenance comparison says so (``"maintenance vs placebo"``).
    """
    exp, anc = _node_parts(experimental), _node_parts(anchor)
    backbone = [p for p in anc if p != "placebo"]
    added = [p for p in exp if p not in anc]
    if backbone and set(backbone) <= set(exp) and added:
        text = f"adding {' + '.join(added)} to {' + '.join(backbone)}"
    else:
        text = "vs " + " + ".join(anc)
    return f"maintenance {text}" if setting == "maintenance" else text


def drug_comparison(drug: str, label: str) -> str:
    """A drug's randomised comparison as one phrase: ``"anlotinib vs placebo"``; an add-on
    comparison (:func:`comparison_label`) already names the drug: ``"adding gemcitabine to
    pazopanib"``, not ``"pazopanib adding gemcitabine to pazopanib"``."""
    if label.startswith(("adding ", "maintenance adding ")):
        return label
    return f"{drug} {label}"


def treatment_label(node: str) -> str:
    """A treatment node in words: ``anlotinib+epirubicin`` → ``"Anlotinib + epirubicin"``."""
    text = " + ".join(_node_parts(node))
    return text[:1].upper() + text[1:]


def subgroup_line_label(line: Any) -> str:
    """A line subgroup in words (``first`` → ``"first line subgroup"``); empty when none."""
    if is_missing(line) or not str(line):
        return ""
    return f"{LINE_LABELS.get(str(line), str(line)).lower()} subgroup"


NO_RANDOMISED_TRIAL = (
    "no randomised trial: {drug} is known here only from single-arm and retrospective studies"
)
"""What a drug without any randomised comparison shows in its place (``{drug}`` filled in)."""


def format_stated_p(p_value: Any) -> str:
    """A p value as the source states it, for readers: ``"<0.0001"`` → ``"p < 0.0001"``,
    ``"0.017"`` → ``"p = 0.017"``; empty when none was stated."""
    if is_missing(p_value) or not str(p_value).strip():
        return ""
    text = str(p_value).replace(" ", "")
    sign = text[0] if text[0] in "<>=" else "="
    return f"p {sign} {text.lstrip('<>=')}"


RANDOMISED_TIER_WORDS: dict[str, str] = {
    "direct": "the patient's own histology",
    "group": "the histology group",
    "all": "all sarcoma",
    "subtype": "one subtype's cohort",
}
"""Where a randomised comparison's population sits relative to the patient's histology."""


def hr_text(outcome: str, hr: Any, lo: Any, hi: Any) -> str:
    """``"PFS HR 0.42 (0.21–0.85)"``; a missing CI says so (``"PFS HR 0.33, no CI"``)."""
    endpoint = OUTCOME_SHORT.get(outcome, outcome)
    text = f"{endpoint} HR {format_hazard_ratio(hr, lo, hi)}"
    return text if not (is_missing(lo) or is_missing(hi)) else f"{text}, no CI"


def randomised_headline(
    comparison: str, outcome: str, hr: Any, lo: Any, hi: Any, trial: str, population: str
) -> str:
    """The first-screen line of a drug's randomised evidence.

    ``"Randomised vs placebo: PFS HR 0.42 (0.21–0.85), SARC024, osteosarcoma"``.
    """
    return f"Randomised {comparison}: {hr_text(outcome, hr, lo, hi)}, {trial}, {population}"


STAR_NETWORK = (
    "Inconsistency cannot be tested: each drug meets only its control ({control}), a star "
    "network with no loop; the indirect comparisons rest on transitivity (see the table of "
    "trial differences)"
)
"""Shown wherever a star network's result is shown (``{control}`` filled in)."""
NOT_CONNECTED = (
    "{trials}: the {control} control is not connected to the other trials' controls, so no "
    "indirect comparison runs through it"
)
"""Shown per disconnected network component (``{trials}``, ``{control}`` filled in)."""


TRANSITIVITY_WORDS: dict[str, str] = {
    "baseline": (
        "control arm median PFS {value} months against {typical} in the other trials: a "
        "different baseline risk"
    ),
    "broader": "population broader than the patient's subtype ({population})",
    "indolent": "about {share} of patients had ASPS, an indolent subtype",
    "review": "progression read by {review} review (others: {others})",
    "crossover": "control patients could cross over: overall survival is not comparable",
    "line": "enrolled {line}",
    "level": "known only from a {level}",
    "active": "active control ({control}), not placebo",
    "setting": "{setting} setting",
}
"""The differences between trials that matter for an indirect comparison, in words."""

PUBLICATION_WORDS: dict[str, str] = {
    "full_text": "full paper",
    "abstract": "journal abstract",
    "conference_abstract": "conference abstract",
    "registry": "trial registry",
    "secondary": "secondary report (news or review)",
}
"""How fully the page a hazard ratio was read from publishes the trial."""


def number_needed(value: Any) -> str:
    """A number needed to treat or harm, rounded up to a whole patient; none → ``"—"``."""
    if is_missing(value) or not math.isfinite(float(value)) or float(value) <= 0:
        return MISSING
    return str(math.ceil(float(value) - 1e-9))


def format_difference_per_100(rd: Any, lo: Any, hi: Any) -> str:
    """``"+33 (+16 to +50)"`` patients per 100; without a CI the difference alone."""
    if is_missing(rd):
        return MISSING

    def signed(x: Any) -> str:
        whole = round(float(x))
        return "0" if whole == 0 else f"{whole:+d}"

    if is_missing(lo) or is_missing(hi):
        return signed(rd)
    return f"{signed(rd)} ({signed(lo)} to {signed(hi)})"


NO_STANDING = "No guideline standing verified"
"""A drug's standing when no page read states any for the patient
(see tkidata.comparative.standing)."""
ROB_LABELS: dict[str, str] = {
    "low": "Low risk of bias",
    "some_concerns": "Some concerns",
    "high": "High risk of bias",
}
ROB_DOMAIN_LABELS: dict[str, str] = {
    "randomisation": "Randomisation process",
    "deviations": "Deviations from intended interventions",
    "missing_data": "Missing outcome data",
    "measurement": "Measurement of the outcome",
    "selective_reporting": "Selection of the reported result",
    "overall": "Overall",
}
"""RoB 2's domains in the tool's own words (Sterne et al., BMJ 2019)."""


def rob_label(judgement: Any) -> str:
    """A RoB 2 judgement in words: ``some_concerns`` → ``"Some concerns"``."""
    return _words(ROB_LABELS, judgement)


def rob_domain_label(domain: Any) -> str:
    """A RoB 2 domain in words: ``missing_data`` → ``"Missing outcome data"``."""
    return _words(ROB_DOMAIN_LABELS, domain)


def standing_phrase(rows: pd.DataFrame) -> str:
    """A drug's standing in a few words for its card: ``"FDA/EMA approved; ESMO-MCBS 3"``.

    ``rows`` are :func:`tkidata.comparative.standing.guideline_standing`'s rows for one patient,
    most specific first. Regulators that approved the drug are joined ("FDA/EMA approved"), a
    regulator whose approvals here are all for combinations marked "(in combination)" and one
    with both "(alone and in combination)"; each guideline body gives its first verified row's
    standing up to the first comma ("NCCN category 2A, useful in certain circumstances" →
    "NCCN category 2A"), named by its body when the standing does not name it. With no verified
    row the phrase is :data:`NO_STANDING`.
    """
    verified = rows[rows["status"] == "verified"] if len(rows) else rows
    if verified.empty:
        return NO_STANDING
    approvals: dict[str, set[bool]] = {}
    parts: list[str] = []
    for _, row in verified.iterrows():
        body, standing = str(row["body"]), str(row["standing"])
        if body in REGULATORS and standing.lower().startswith("approved"):
            approvals.setdefault(body, set()).add(row["regimen"] == "combination")
            continue
        head = standing.split(", ")[0]
        text = head if head.startswith(body) else f"{body} {head}"
        if not any(part.startswith(body) for part in parts):
            parts.append(text)
    combination = {
        frozenset({True}): " (in combination)",
        frozenset({True, False}): " (alone and in combination)",
    }
    approved = [body + combination.get(frozenset(kinds), "") for body, kinds in approvals.items()]
    if approved:
        parts.insert(0, "/".join(approved) + " approved")
    return "; ".join(parts)


_UNSEEN = re.compile(
    r"([\[(])([^\[\]()]*?)\s*\b(not seen|not visible|not shown|truncated)\b"
    r"(?:\s+(?:on|in) the [^;.\[\]()]*)?([^\[\]()]*)[\])]"
)
"""A curator's note of what no page showed, in brackets: ``[journal not seen]``,
``(author not seen)``, ``[Title and journal not seen; reference 73 of ...]``, ``[title
truncated]``, ``[Authors not shown on the abstract page.]`` (where it was not shown is dropped)."""

UNSEEN_WORDS = {
    "not seen": "not available",
    "not visible": "not available",
    "not shown": "not available",
    "truncated": "shortened",
}
"""The curator's words for what is unknown, in the words a reader sees."""


def unknown_in_words(text: str) -> str:
    """A citation or study label with the curators' ``[... not seen]`` notes in clinical words.

    ``[journal not seen]`` → ``(journal details not available)``; ``[Authors not seen]. Title``
    → ``Authors not available. Title``; ``(author not seen)`` → ``(author not available)``;
    ``[title truncated]`` → ``(title shortened)``. A note that opens the text becomes its first
    sentence; elsewhere it is put in parentheses.
    """

    def words(m: re.Match[str]) -> str:
        before, status, after = m.group(2).strip(), m.group(3), m.group(4).rstrip()
        if before.lower() == "journal":
            before += " details"
        said = " ".join(p for p in (before, UNSEEN_WORDS[status]) if p) + after
        if m.start() == 0 and m.group(1) == "[":
            return said[:1].upper() + said[1:]
        return f"({said})"

    return _UNSEEN.sub(words, text)
