"""pandera models of the four data tables (column set, types, static vocabularies, row rules).

Vocabulary-file checks (drug, histology, AE term, meta-analysis ids) and cross-table rules live in
:mod:`tkidata.store.validate`; this module holds what can be checked one table at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from tkidata.store.codes import (
    AGE_GROUPS,
    ASSESSMENTS,
    CONTROLS,
    DENOMINATORS,
    DESIGNS,
    EXCLUSION_REASONS,
    EXTRACTION_LEVELS,
    GRADES,
    GUIDELINE_BODIES,
    GUIDELINE_STATUSES,
    HISTOLOGY_GROUPS,
    HR_OUTCOMES,
    LINES,
    MEDIAN_OUTCOMES,
    NOT_REACHED,
    OUTCOMES,
    PROPORTION_OUTCOMES,
    PUBLISHED_OUTCOMES,
    QUALITY_TOOLS,
    RATE_ASSESSMENTS,
    RATE_OUTCOMES,
    REGIMENS,
    RESPONSE_ASSESSMENTS,
    REVIEWS,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    ROB_OUTCOMES,
    SEARCH_DECISIONS,
    SETTINGS,
    TIMEPOINTS,
)

_ID = r"^[a-z0-9_]+$"
_ID_LIST = r"^[a-z0-9_]+(;[a-z0-9_]+)*$"
_NODE = r"^[a-z0-9_]+(\+[a-z0-9_]+)*$"
"""A treatment node of the randomised network: a drug, or drugs joined by ``+``."""

Int = pd.Int64Dtype
Float = pd.Float64Dtype
Bool = pd.BooleanDtype


def _fails(mask: pd.Series) -> pd.Series:
    """Turn a 'row breaks the rule' mask (NA = not applicable) into a pandera pass mask."""
    return ~mask.fillna(False).astype(bool)


class StudyModel(pa.DataFrameModel):
    """studies.csv: one row per study arm."""

    study_id: Series[str] = pa.Field(str_matches=_ID)
    drug: Series[str]
    trial: Series[str] = pa.Field(nullable=True)
    arm: Series[str] = pa.Field(nullable=True)
    first_author: Series[str]
    year: Series[Int] = pa.Field(ge=1990, le=2100)
    title: Series[str]
    journal: Series[str]
    citation: Series[str]
    doi: Series[str] = pa.Field(nullable=True, str_matches=r"^10\.\d{4,9}/\S+$")
    pmid: Series[str] = pa.Field(nullable=True, str_matches=r"^\d+$")
    registration: Series[str] = pa.Field(
        nullable=True, str_matches=r"^[A-Za-z0-9-]+(;[A-Za-z0-9-]+)*$"
    )
    design: Series[str] = pa.Field(isin=DESIGNS)
    regimen: Series[str] = pa.Field(isin=REGIMENS)
    partner_treatment: Series[str] = pa.Field(nullable=True)
    dose_schedule: Series[str] = pa.Field(nullable=True)
    line: Series[str] = pa.Field(nullable=True, isin=LINES)
    line_reported: Series[str] = pa.Field(nullable=True)
    histology_group: Series[str] = pa.Field(isin=HISTOLOGY_GROUPS)
    subtypes: Series[str] = pa.Field(nullable=True, str_matches=_ID_LIST)
    non_sarcoma: Series[str] = pa.Field(nullable=True)
    age_group: Series[str] = pa.Field(isin=AGE_GROUPS)
    country: Series[str] = pa.Field(nullable=True)
    n_enrolled: Series[Int] = pa.Field(nullable=True, gt=0)
    n_evaluable: Series[Int] = pa.Field(nullable=True, gt=0)
    n_safety: Series[Int] = pa.Field(nullable=True, gt=0)
    overlaps_with: Series[str] = pa.Field(nullable=True, str_matches=_ID_LIST)
    possible_overlaps: Series[str] = pa.Field(nullable=True, str_matches=_ID_LIST)
    preferred: Series[Bool]
    included_in: Series[str] = pa.Field(nullable=True, str_matches=_ID_LIST)
    extraction_level: Series[str] = pa.Field(isin=EXTRACTION_LEVELS)
    quality_tool: Series[str] = pa.Field(nullable=True, isin=QUALITY_TOOLS)
    quality_score: Series[str] = pa.Field(nullable=True)
    source_url: Series[str] = pa.Field(nullable=True, str_matches=r"^https?://\S+$")
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def evaluable_le_enrolled(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["n_evaluable"] > df["n_enrolled"])

    @pa.dataframe_check
    def combination_names_partner(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["regimen"] == "combination") & df["partner_treatment"].isna())

    class Config:
        strict = True
        coerce = False


class OutcomeModel(pa.DataFrameModel):
    """outcomes.csv: long format, one fact per row."""

    study_id: Series[str] = pa.Field(str_matches=_ID)
    population: Series[str]
    outcome: Series[str] = pa.Field(isin=OUTCOMES)
    timepoint_months: Series[Int] = pa.Field(nullable=True, isin=TIMEPOINTS)
    assessment: Series[str] = pa.Field(nullable=True, isin=ASSESSMENTS)
    assessment_week: Series[Int] = pa.Field(nullable=True, ge=1, le=520)
    subgroup_line: Series[str] = pa.Field(nullable=True, isin=LINES)
    events: Series[Int] = pa.Field(nullable=True, ge=0)
    n: Series[Int] = pa.Field(nullable=True, gt=0)
    denominator: Series[str] = pa.Field(nullable=True, isin=DENOMINATORS)
    estimate: Series[Float] = pa.Field(nullable=True, ge=0)
    ci_low: Series[Float] = pa.Field(nullable=True, ge=0)
    ci_high: Series[Float] = pa.Field(nullable=True, ge=0)
    not_reached: Series[str] = pa.Field(nullable=True, isin=NOT_REACHED)
    derived: Series[Bool]
    location: Series[str]
    source: Series[str] = pa.Field(nullable=True, str_matches=r"^https?://\S+$")
    source_level: Series[str] = pa.Field(nullable=True, isin=EXTRACTION_LEVELS)
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def events_le_n(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["events"] > df["n"])

    @pa.dataframe_check
    def assessment_for_proportions(cls, df: pd.DataFrame) -> pd.Series:
        kind = df["outcome"].isin(PROPORTION_OUTCOMES)
        return _fails(kind & ~df["assessment"].isin(RESPONSE_ASSESSMENTS))

    @pa.dataframe_check
    def assessment_for_rates(cls, df: pd.DataFrame) -> pd.Series:
        kind = df["outcome"].isin(RATE_OUTCOMES)
        return _fails(kind & ~df["assessment"].isin(RATE_ASSESSMENTS))

    @pa.dataframe_check
    def assessment_only_proportions(cls, df: pd.DataFrame) -> pd.Series:
        kind = df["outcome"].isin(PROPORTION_OUTCOMES + RATE_OUTCOMES)
        return _fails(~kind & df["assessment"].notna())

    @pa.dataframe_check
    def week_for_week_assessment(cls, df: pd.DataFrame) -> pd.Series:
        week = df["assessment"] == "week"
        return _fails(week.fillna(False) != df["assessment_week"].notna())

    @pa.dataframe_check
    def source_level_with_source(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["source"].notna() != df["source_level"].notna())

    @pa.dataframe_check
    def timepoint_for_rates(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["outcome"].isin(RATE_OUTCOMES) & df["timepoint_months"].isna())

    @pa.dataframe_check
    def timepoint_only_rates(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(~df["outcome"].isin(RATE_OUTCOMES) & df["timepoint_months"].notna())

    @pa.dataframe_check
    def counts_for_proportions(cls, df: pd.DataFrame) -> pd.Series:
        missing = df["events"].isna() | df["n"].isna()
        return _fails(df["outcome"].isin(PROPORTION_OUTCOMES) & missing)

    @pa.dataframe_check
    def n_for_rates(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["outcome"].isin(RATE_OUTCOMES) & df["n"].isna())

    @pa.dataframe_check
    def estimate_required(cls, df: pd.DataFrame) -> pd.Series:
        median_nr = df["outcome"].isin(MEDIAN_OUTCOMES) & (df["not_reached"] == "median")
        needs = df["outcome"].isin(RATE_OUTCOMES + MEDIAN_OUTCOMES)
        return _fails(needs & ~median_nr.fillna(False) & df["estimate"].isna())

    @pa.dataframe_check
    def proportion_in_unit(cls, df: pd.DataFrame) -> pd.Series:
        fraction = df["outcome"].isin(PROPORTION_OUTCOMES + RATE_OUTCOMES)
        above = (df["estimate"] > 1) | (df["ci_low"] > 1) | (df["ci_high"] > 1)
        return _fails(fraction & above)

    @pa.dataframe_check
    def ci_order(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_low"] > df["ci_high"])

    @pa.dataframe_check
    def ci_low_le_estimate(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_low"] > df["estimate"])

    @pa.dataframe_check
    def estimate_le_ci_high(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["estimate"] > df["ci_high"])

    @pa.dataframe_check
    def not_reached_only_medians(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(~df["outcome"].isin(MEDIAN_OUTCOMES) & df["not_reached"].notna())

    class Config:
        strict = True
        coerce = False


class AdverseEventModel(pa.DataFrameModel):
    """adverse_events.csv: one row per study arm x CTCAE term x grade band."""

    study_id: Series[str] = pa.Field(str_matches=_ID)
    term_reported: Series[str]
    term: Series[str]
    grade: Series[str] = pa.Field(isin=GRADES)
    events: Series[Int] = pa.Field(nullable=True, ge=0)
    n: Series[Int] = pa.Field(gt=0)
    pct: Series[Float] = pa.Field(nullable=True, ge=0, le=1)
    derived: Series[Bool]
    location: Series[str]
    source: Series[str] = pa.Field(nullable=True, str_matches=r"^https?://\S+$")
    source_level: Series[str] = pa.Field(nullable=True, isin=EXTRACTION_LEVELS)
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def events_le_n(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["events"] > df["n"])

    @pa.dataframe_check
    def events_or_pct(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["events"].isna() & df["pct"].isna())

    @pa.dataframe_check
    def source_level_with_source(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["source"].notna() != df["source_level"].notna())

    class Config:
        strict = True
        coerce = False


class PublishedModel(pa.DataFrameModel):
    """published.csv: pooled results of published meta-analyses."""

    source_id: Series[str] = pa.Field(str_matches=_ID)
    drug: Series[str]
    outcome: Series[str] = pa.Field(isin=PUBLISHED_OUTCOMES)
    population: Series[str]
    timepoint_months: Series[Int] = pa.Field(nullable=True, isin=TIMEPOINTS)
    term: Series[str] = pa.Field(nullable=True)
    grade: Series[str] = pa.Field(nullable=True, isin=GRADES)
    k: Series[Int] = pa.Field(nullable=True, gt=0)
    n_patients: Series[Int] = pa.Field(nullable=True, gt=0)
    estimate: Series[Float] = pa.Field(ge=0)
    ci_low: Series[Float] = pa.Field(nullable=True, ge=0)
    ci_high: Series[Float] = pa.Field(nullable=True, ge=0)
    i2: Series[Float] = pa.Field(nullable=True, ge=0, le=100)
    method: Series[str] = pa.Field(nullable=True)
    location: Series[str]
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def timepoint_for_rates(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["outcome"].isin(RATE_OUTCOMES) & df["timepoint_months"].isna())

    @pa.dataframe_check
    def timepoint_only_rates(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(~df["outcome"].isin(RATE_OUTCOMES) & df["timepoint_months"].notna())

    @pa.dataframe_check
    def term_for_ae(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["outcome"] == "ae") & (df["term"].isna() | df["grade"].isna()))

    @pa.dataframe_check
    def term_only_ae(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["outcome"] != "ae") & (df["term"].notna() | df["grade"].notna()))

    @pa.dataframe_check
    def proportion_in_unit(cls, df: pd.DataFrame) -> pd.Series:
        fraction = ~df["outcome"].isin(MEDIAN_OUTCOMES)
        above = (df["estimate"] > 1) | (df["ci_low"] > 1) | (df["ci_high"] > 1)
        return _fails(fraction & above)

    @pa.dataframe_check
    def ci_order(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_low"] > df["ci_high"])

    @pa.dataframe_check
    def ci_low_le_estimate(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_low"] > df["estimate"])

    @pa.dataframe_check
    def estimate_le_ci_high(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["estimate"] > df["ci_high"])

    class Config:
        strict = True
        coerce = False


class SearchModel(pa.DataFrameModel):
    """searches.csv: one row per query run for a drug (the search log)."""

    search_id: Series[str] = pa.Field(str_matches=_ID)
    drug: Series[str]
    corpus: Series[str]
    query: Series[str]
    date: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$")
    results: Series[Int] = pa.Field(ge=0, le=1000)
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = False


class RecordModel(pa.DataFrameModel):
    """records.csv: one row per distinct record a search returned, with its screening decision."""

    record_id: Series[str] = pa.Field(str_matches=_ID)
    drug: Series[str]
    search_ids: Series[str] = pa.Field(str_matches=_ID_LIST)
    title: Series[str]
    url: Series[str] = pa.Field(nullable=True, str_matches=r"^https?://\S+$")
    decision: Series[str] = pa.Field(isin=SEARCH_DECISIONS)
    reason: Series[str] = pa.Field(nullable=True, isin=EXCLUSION_REASONS)
    study_ids: Series[str] = pa.Field(nullable=True, str_matches=_ID_LIST)
    duplicate_of: Series[str] = pa.Field(nullable=True, str_matches=_ID)
    depth: Series[str] = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def reason_for_exclusion(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["decision"] == "excluded") != df["reason"].notna())

    @pa.dataframe_check
    def studies_for_inclusion(cls, df: pd.DataFrame) -> pd.Series:
        kept = df["decision"].isin(["included", "overlapping"])
        return _fails(kept & df["study_ids"].isna())

    @pa.dataframe_check
    def duplicate_names_original(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["decision"] == "duplicate") != df["duplicate_of"].notna())

    class Config:
        strict = True
        coerce = False


class IncludedStudyModel(pa.DataFrameModel):
    """included_studies.csv: the studies a published meta-analysis pooled, held here or not."""

    source_id: Series[str] = pa.Field(str_matches=_ID)
    label: Series[str]
    study_id: Series[str] = pa.Field(nullable=True, str_matches=_ID)
    location: Series[str]
    note: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = False


class ComparisonModel(pa.DataFrameModel):
    """comparisons.csv: one randomised comparison (hazard ratio) per row.

    One row per trial × report (``study_id``, the experimental arm) × population × line
    subgroup × review × outcome × comparison (``experimental`` vs ``anchor``).
    """

    trial: Series[str]
    study_id: Series[str] = pa.Field(str_matches=_ID)
    control_study_id: Series[str] = pa.Field(str_matches=_ID)
    experimental: Series[str] = pa.Field(str_matches=_NODE)
    control: Series[str] = pa.Field(isin=CONTROLS)
    anchor: Series[str] = pa.Field(str_matches=_NODE)
    population: Series[str]
    subgroup_line: Series[str] = pa.Field(nullable=True, isin=LINES)
    setting: Series[str] = pa.Field(isin=SETTINGS)
    outcome: Series[str] = pa.Field(isin=HR_OUTCOMES)
    hr: Series[Float] = pa.Field(gt=0)
    ci_low: Series[Float] = pa.Field(nullable=True, gt=0)
    ci_high: Series[Float] = pa.Field(nullable=True, gt=0)
    ci_derived: Series[Bool]
    p_value: Series[str] = pa.Field(nullable=True, str_matches=r"^[<>=]?\s?(0?\.\d+|1(\.0+)?)$")
    review: Series[str] = pa.Field(nullable=True, isin=REVIEWS)
    crossover: Series[Bool] = pa.Field(nullable=True)
    n_experimental: Series[Int] = pa.Field(nullable=True, gt=0)
    n_control: Series[Int] = pa.Field(nullable=True, gt=0)
    preferred: Series[Bool]
    location: Series[str]
    source: Series[str] = pa.Field(str_matches=r"^https?://\S+$")
    source_level: Series[str] = pa.Field(isin=EXTRACTION_LEVELS)
    note: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def hr_ci_order(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_low"] > df["ci_high"])

    @pa.dataframe_check
    def ci_low_le_hr(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_low"] > df["hr"])

    @pa.dataframe_check
    def hr_le_ci_high(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["hr"] > df["ci_high"])

    @pa.dataframe_check
    def ci_both_limits(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_low"].isna() != df["ci_high"].isna())

    @pa.dataframe_check
    def derived_ci_needs_ci(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_derived"] & df["ci_low"].isna())

    @pa.dataframe_check
    def derived_ci_says_how(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["ci_derived"] & df["note"].isna())

    class Config:
        strict = True
        coerce = False


class RiskOfBiasModel(pa.DataFrameModel):
    """risk_of_bias.csv: one RoB 2 judgement per randomised trial x outcome x domain."""

    trial: Series[str]
    outcome: Series[str] = pa.Field(isin=ROB_OUTCOMES)
    domain: Series[str] = pa.Field(isin=ROB_DOMAINS)
    judgement: Series[str] = pa.Field(isin=ROB_JUDGEMENTS)
    basis: Series[str]
    source: Series[str] = pa.Field(str_matches=r"^https?://\S+$")
    location: Series[str]
    assessed_from: Series[str] = pa.Field(isin=EXTRACTION_LEVELS)

    class Config:
        strict = True
        coerce = False


class GuidelineModel(pa.DataFrameModel):
    """guidelines.csv: one guideline or regulatory standing per drug x histology x line x body."""

    drug: Series[str]
    histology: Series[str]
    excludes: Series[str] = pa.Field(nullable=True, str_matches=_ID_LIST)
    line: Series[str] = pa.Field(isin=LINES)
    line_reported: Series[str] = pa.Field(nullable=True)
    regimen: Series[str] = pa.Field(isin=REGIMENS)
    body: Series[str] = pa.Field(isin=GUIDELINE_BODIES)
    status: Series[str] = pa.Field(isin=GUIDELINE_STATUSES)
    standing: Series[str] = pa.Field(nullable=True)
    detail: Series[str]
    version: Series[str] = pa.Field(nullable=True)
    date_checked: Series[str] = pa.Field(str_matches=r"^\d{4}-\d{2}-\d{2}$")
    source: Series[str] = pa.Field(nullable=True, str_matches=r"^https?://\S+$")
    location: Series[str] = pa.Field(nullable=True)
    source_level: Series[str] = pa.Field(nullable=True, isin=EXTRACTION_LEVELS)

    @pa.dataframe_check
    def verified_states_standing(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["status"] == "verified") & df["standing"].isna())

    @pa.dataframe_check
    def not_verified_has_no_standing(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["status"] == "not_verified") & df["standing"].notna())

    @pa.dataframe_check
    def verified_cites_source(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["status"] == "verified") & df["source"].isna())

    @pa.dataframe_check
    def verified_gives_version(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["status"] == "verified") & df["version"].isna())

    @pa.dataframe_check
    def verified_gives_location(cls, df: pd.DataFrame) -> pd.Series:
        return _fails((df["status"] == "verified") & df["location"].isna())

    @pa.dataframe_check
    def source_level_with_source(cls, df: pd.DataFrame) -> pd.Series:
        return _fails(df["source"].notna() != df["source_level"].notna())

    class Config:
        strict = True
        coerce = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "studies": StudyModel,
    "outcomes": OutcomeModel,
    "adverse_events": AdverseEventModel,
    "published": PublishedModel,
    "searches": SearchModel,
    "records": RecordModel,
    "included_studies": IncludedStudyModel,
    "comparisons": ComparisonModel,
    "risk_of_bias": RiskOfBiasModel,
    "guidelines": GuidelineModel,
}
"""Table name (file stem) → pandera model."""


def columns(table: str) -> dict[str, str]:
    """Column name → kind (``str``, ``int``, ``float``, ``bool``), in file order."""
    kinds = {"Int64": "int", "Float64": "float", "boolean": "bool"}
    schema = MODELS[table].to_schema()
    return {name: kinds.get(str(col.dtype), "str") for name, col in schema.columns.items()}


def required(table: str) -> tuple[str, ...]:
    """Columns that may not be empty."""
    schema = MODELS[table].to_schema()
    return tuple(name for name, col in schema.columns.items() if not col.nullable)


RowText = Callable[[pd.Series], str]

ROW_RULES: dict[str, tuple[str, RowText]] = {
    "evaluable_le_enrolled": (
        "n_evaluable",
        lambda r: f"n_evaluable ({r.n_evaluable}) exceeds n_enrolled ({r.n_enrolled})",
    ),
    "combination_names_partner": (
        "partner_treatment",
        lambda r: "a combination regimen must name partner_treatment",
    ),
    "events_le_n": ("events", lambda r: f"events ({r.events}) exceed n ({r.n})"),
    "timepoint_for_rates": (
        "timepoint_months",
        lambda r: f"required for {r.outcome}",
    ),
    "timepoint_only_rates": (
        "timepoint_months",
        lambda r: f"must be empty for {r.outcome} (rates only)",
    ),
    "counts_for_proportions": ("events", lambda r: f"{r.outcome} needs both events and n"),
    "n_for_rates": ("n", lambda r: f"{r.outcome} needs n (the analysed denominator)"),
    "estimate_required": ("estimate", lambda r: f"required for {r.outcome}"),
    "proportion_in_unit": (
        "estimate",
        lambda r: "proportions are fractions in [0, 1] (estimate/ci_low/ci_high > 1)",
    ),
    "ci_order": ("ci_low", lambda r: f"ci_low ({r.ci_low}) exceeds ci_high ({r.ci_high})"),
    "ci_low_le_estimate": (
        "ci_low",
        lambda r: f"ci_low ({r.ci_low}) exceeds estimate ({r.estimate})",
    ),
    "estimate_le_ci_high": (
        "ci_high",
        lambda r: f"estimate ({r.estimate}) exceeds ci_high ({r.ci_high})",
    ),
    "not_reached_only_medians": ("not_reached", lambda r: "only for medians"),
    "hr_ci_order": ("ci_low", lambda r: f"ci_low ({r.ci_low}) exceeds ci_high ({r.ci_high})"),
    "ci_low_le_hr": ("ci_low", lambda r: f"ci_low ({r.ci_low}) exceeds hr ({r.hr})"),
    "hr_le_ci_high": ("ci_high", lambda r: f"hr ({r.hr}) exceeds ci_high ({r.ci_high})"),
    "ci_both_limits": ("ci_high", lambda r: "give both CI limits or neither"),
    "derived_ci_needs_ci": (
        "ci_derived",
        lambda r: "ci_derived=true but no CI: derive both limits, formula in note",
    ),
    "derived_ci_says_how": (
        "note",
        lambda r: "ci_derived=true: give the formula and the stated values it used in note",
    ),
    "events_or_pct": ("events", lambda r: "give events or pct (or both)"),
    "assessment_for_proportions": (
        "assessment",
        lambda r: f"{r.outcome} needs assessment bor (best overall response) or week",
    ),
    "assessment_for_rates": (
        "assessment",
        lambda r: f"{r.outcome} needs assessment km (Kaplan-Meier), crude or week",
    ),
    "assessment_only_proportions": (
        "assessment",
        lambda r: f"must be empty for {r.outcome} (response and rate rows only)",
    ),
    "week_for_week_assessment": (
        "assessment_week",
        lambda r: "give assessment_week exactly when assessment is week",
    ),
    "source_level_with_source": (
        "source_level",
        lambda r: "source and source_level go together (the page read and its level)",
    ),
    "reason_for_exclusion": (
        "reason",
        lambda r: "an excluded record needs a reason, and only an excluded one",
    ),
    "studies_for_inclusion": (
        "study_ids",
        lambda r: f"a record decided {r.decision} names the study_ids it became",
    ),
    "duplicate_names_original": (
        "duplicate_of",
        lambda r: "a duplicate names the record it duplicates (duplicate_of), only a duplicate",
    ),
    "term_for_ae": ("term", lambda r: "ae rows need term and grade"),
    "term_only_ae": ("term", lambda r: f"term/grade must be empty for {r.outcome}"),
    "verified_states_standing": (
        "standing",
        lambda r: "a verified row states the standing the source gives",
    ),
    "not_verified_has_no_standing": (
        "standing",
        lambda r: "a not_verified row leaves standing empty (nothing read states it)",
    ),
    "verified_cites_source": ("source", lambda r: "a verified row names the page read"),
    "verified_gives_version": (
        "version",
        lambda r: "a verified row gives the guideline version or approval date",
    ),
    "verified_gives_location": (
        "location",
        lambda r: "a verified row says where in the source the standing is stated",
    ),
}
"""dataframe_check name → (column blamed, message built from the offending row)."""
