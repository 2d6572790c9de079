"""Small render helpers shared by pages: chart + table tabs, pooled-number cards, empty states."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from importlib.metadata import version as pkg_version

import altair as alt
import pandas as pd
import streamlit as st

from report.charts import MISSING, format_ci, format_value, is_median, outcome_label
from report.colors import DRUG_COLORS, drug_label
from tkidata import DataVersion, Filters, Method
from ui.cache import ChartView, histology_labels
from ui.downloads import figure_downloads
from ui.params import BY_NAME

EVIDENCE_PAGE = "pages/evidence.py"

#: internal columns of chart tables that readers do not need
_HIDDEN = {"row", "months", "rank", "kind", "drug", "status_code", "_all"}
_HEADERS = {
    "drug_label": "Drug",
    "est": "Estimate",
    "ci_lb": "95% CI low",
    "ci_ub": "95% CI high",
    "k": "k",
    "n": "n",
    "n_patients": "Patients",
    "i2": "I² (%)",
    "text": "Estimate (95% CI)",
    "est_text": "Estimate (95% CI)",
    "weight_text": "Weight",
    "n_text": "n",
    "label": "Study",
    "weight": "Weight (%)",
    "study_id": "Study id",
    "panel": "Outcome",
    "outcome": "Outcome code",
    "timepoint": "Months",
    "yi": "Effect (analysis scale)",
    "sei": "Standard error",
    "row_label": "Row",
    "grade_label": "Grade",
    "soc": "Organ class",
    "term": "CTCAE term",
    "status": "Status",
    "proportion": "Proportion",
    "group": "Subgroup",
    "design": "Design",
    "quantity": "Quantity",
    "preset": "Method preset",
    "estimate": "Estimate",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
}


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A chart table for people: internal columns dropped, headers in words, no NaN text."""
    keep = [c for c in table.columns if c not in _HIDDEN]
    out = table[keep].rename(columns=lambda c: _HEADERS.get(c, c.replace("_", " ").capitalize()))
    return out.loc[:, ~out.columns.duplicated()]


def chart_with_table(
    chart: alt.TopLevelMixin, table: pd.DataFrame, key: str, *, caption: str | None = None
) -> None:
    """Show a chart (theme off, so it matches the export) with its numbers in a second tab."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        st.altair_chart(chart, theme=None, key=key, width="content")
        figure_downloads(chart, key=f"{key}_files")
    with table_tab:
        st.dataframe(readable(table), hide_index=True, key=f"{key}_table")
    if caption:
        st.caption(caption)


def chart(view: ChartView, key: str) -> None:
    """Draw a cached chart (theme off, so it matches the export) with its figure downloads."""
    st.vega_lite_chart(spec=view.vega_lite(), theme=None, key=key, width="content")
    figure_downloads(view.chart, key=f"{key}_files")


def view_with_table(view: ChartView, key: str, *, caption: str | None = None) -> None:
    """:func:`chart_with_table` for a cached view (:func:`ui.cache.chart_view`)."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        chart(view, key)
    with table_tab:
        st.dataframe(readable(view.table), hide_index=True, key=f"{key}_table")
    if caption:
        st.caption(caption)


def method_for(outcome: str, m: Method) -> str:
    """The part of the method description that applies to one outcome (chart subtitles)."""
    proportions, medians, level = m.describe().split("; ")
    medians = medians[:1].upper() + medians[1:]
    return f"{medians}; {level}" if is_median(outcome) else f"{proportions}; {level}"


def short_method(m: Method) -> str:
    """The method in force in a few words, for captions under numbers."""
    if m.preset_name:
        return BY_NAME["preset"].format(m.preset_name).split(":")[0]
    return "Adjusted method: " + m.describe().split(";")[0]


def describe_filters(f: Filters) -> str:
    """The filters in force, in words."""
    parts = [BY_NAME["histology"].format(f.histology), BY_NAME["line"].format(f.line).lower()]
    if f.line != "any":
        parts.append(
            "with mixed-line studies" if f.include_mixed_line else "without mixed-line studies"
        )
    parts += [
        BY_NAME["design"].format(f.design).lower(),
        BY_NAME["regimen"].format(f.regimen).lower(),
        BY_NAME["age"].format(f.age).lower(),
    ]
    return " · ".join(parts)


def empty_hint(drug: str, what: str, f: Filters) -> str:
    """Why nothing matched, and which filter to relax first."""
    hist = {"all": "", "sts": "soft-tissue ", "bone": "bone "}.get(
        f.histology, BY_NAME["histology"].format(f.histology).split("· ")[-1] + " "
    )
    line = "" if f.line == "any" else BY_NAME["line"].format(f.line).lower() + " "
    head = f"No {hist}{line}studies report {what} for {drug_label(drug)}"
    if f.line != "any" and not f.include_mixed_line:
        return f"{head}: try including mixed-line studies."
    if f.line != "any":
        return f"{head}: try “Any line”."
    if f.histology not in ("all", "sts", "bone"):
        return f"{head}: try the whole histology group."
    if f.design != "all":
        return f"{head}: try “All designs”."
    if f.regimen != "any":
        return f"{head}: try another regimen or “Any regimen”."
    if f.age != "all" or f.histology != "all":
        return f"{head}: try “All ages” and “All histologies”."
    return f"{head} in the curated data yet."


def drug_header(drug: str) -> None:
    """A drug name with its colour bar (the colour used in every chart)."""
    st.markdown(
        f"<div style='border-top:6px solid {DRUG_COLORS[drug]};padding-top:4px;"
        f"font-size:1.35rem;font-weight:700'>{drug_label(drug)}</div>",
        unsafe_allow_html=True,
    )


def studies_link(study_ids: str, label: str) -> None:
    """A link to the Evidence page filtered to these study ids (``;``-joined)."""
    st.page_link(
        EVIDENCE_PAGE,
        label=label,
        icon=":material/menu_book:",
        query_params={"studies": study_ids.replace(";", ",")},
    )


def pooled_number(row: Mapping[str, object], f: Filters) -> None:
    """One pooled outcome of one drug: estimate, CI, k, N, I² and a link to its studies.

    ``row`` is one row of ``tkidata.compare`` (``drug, outcome, timepoint, est, ci_lb, ci_ub,
    k, n, i2, study_ids, user_supplied``); user-supplied studies are counted, not linked.
    """
    outcome, timepoint = str(row["outcome"]), row["timepoint"]
    months = is_median(outcome)
    label = outcome_label(outcome, None if pd.isna(timepoint) else int(timepoint), short=True)
    k = int(row["k"])
    if k == 0:
        st.metric(label, "—", border=False)
        st.caption(empty_hint(str(row["drug"]), label, f))
        return
    st.metric(label, format_value(float(row["est"]), months=months), border=False)
    ci = format_ci(row["ci_lb"], row["ci_ub"], months=months)
    if k == 1:
        st.caption(f"95% CI {ci} · single study, not pooled · N = {int(row['n'])}")
    else:
        i2 = "—" if pd.isna(row["i2"]) else f"{float(row['i2']):.0f}%"
        st.caption(f"95% CI {ci} · k = {k} · N = {int(row['n'])} · I² = {i2}")
    user = [s for s in str(row.get("user_supplied") or "").split(";") if s]
    if user:
        st.caption(f"incl. {len(user)} user-supplied (not curated)")
    curated = [s for s in str(row["study_ids"]).split(";") if s not in set(user)]
    if curated:
        link_text = "the study" if len(curated) == 1 else f"the {len(curated)} studies"
        studies_link(";".join(curated), link_text + (" (curated)" if user else ""))


_SOURCE_COLUMNS = {
    "label": "Study",
    "study_id": "Study id",
    "population": "Population",
    "events": "Events",
    "n": "n",
    "estimate": "Stated estimate",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "derived": "Derived",
    "location": "Where in the source",
    "design": "Design",
    "line": "Line",
    "extraction_level": "Extracted from",
    "user_supplied": "User-supplied",
}


def sources(result: object) -> None:
    """The rows behind a pooled result (with their source locations) and the arms left out."""
    rows = result.selection.rows  # type: ignore[attr-defined]
    excluded = result.selection.excluded  # type: ignore[attr-defined]
    if len(rows):
        shown = rows[[c for c in _SOURCE_COLUMNS if c in rows.columns]]
        st.dataframe(shown.rename(columns=_SOURCE_COLUMNS), hide_index=True, key="sources_rows")
        studies_link(";".join(rows["study_id"].astype(str)), "Open these studies in Evidence")
    if len(excluded):
        st.markdown("**Left out of this pool**")
        st.dataframe(
            excluded.rename(columns={"label": "Study", "study_id": "Study id", "reason": "Why"}),
            hide_index=True,
            key="sources_excluded",
        )


_WORDS = {
    "design": {
        "rct_arm": "RCT arm",
        "single_arm": "Single-arm",
        "retrospective": "Retrospective",
        "case_report": "Case report",
    },
    "line": {"first": "First", "second": "Second", "later": "Third or later", "mixed": "Mixed"},
    "histology_group": {"sts": "Soft tissue", "bone": "Bone", "mixed": "Mixed"},
    "regimen": {
        "monotherapy": "Monotherapy",
        "maintenance": "Maintenance",
        "combination": "Combination",
    },
    "age_group": {"adult": "Adult", "paediatric": "Paediatric", "mixed": "Mixed"},
    "extraction_level": {
        "full_text": "Full text",
        "abstract": "Abstract",
        "conference_abstract": "Conference abstract",
        "registry": "Registry",
        "secondary": "Meta-analysis table",
    },
}


def design_word(code: str) -> str:
    """A study design code in words."""
    return _WORDS["design"].get(code, code)


def evidence_frame(table: pd.DataFrame, key: str) -> None:
    """The evidence table with codes in words, percentages, months and DOI links."""
    shown = table.copy()
    text_columns = [
        c
        for c in shown.columns
        if shown[c].dtype == object or str(shown[c].dtype).startswith("str")
    ]
    shown[text_columns] = shown[text_columns].fillna("")
    for col, words in _WORDS.items():
        shown[col] = shown[col].map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
    shown["drug"] = shown["drug"].map(drug_label)
    labels = histology_labels()
    shown["subtypes"] = shown["subtypes"].map(
        lambda v: ", ".join(labels.get(c, c) for c in v.split(";")) if isinstance(v, str) else v
    )
    cc = st.column_config
    st.dataframe(
        shown,
        hide_index=True,
        key=key,
        column_order=[
            "label",
            "drug",
            "trial",
            "design",
            "regimen",
            "line",
            "histology_group",
            "subtypes",
            "age_group",
            "n_enrolled",
            "orr",
            "dcr",
            "pfs_median",
            "extraction_level",
            "enters_pools",
            "overlaps_with",
            "included_in",
            "doi_url",
            "study_id",
            "partner_treatment",
            "citation",
            "note",
        ],
        column_config={
            "label": cc.TextColumn("Study", pinned=True),
            "drug": "Drug",
            "trial": "Trial",
            "design": "Design",
            "regimen": "Regimen",
            "line": "Line",
            "histology_group": "Histology",
            "subtypes": "Subtypes",
            "age_group": "Age",
            "n_enrolled": cc.NumberColumn("n", format="%d"),
            "orr": cc.NumberColumn("ORR", format="percent"),
            "dcr": cc.NumberColumn("DCR", format="percent"),
            "pfs_median": cc.NumberColumn("Median PFS (mo)", format="%.1f"),
            "extraction_level": "Extracted from",
            "enters_pools": cc.CheckboxColumn("Passes filters"),
            "overlaps_with": "Overlaps with",
            "included_in": "Included in",
            "doi_url": cc.LinkColumn("DOI", display_text=r"https://doi\.org/(.*)"),
            "study_id": "Study id",
            "partner_treatment": "Combined with",
            "citation": cc.TextColumn("Citation", width="large"),
            "note": "Curator's note",
        },
    )


def histology_word(code: str) -> str:
    """A histology code in words (``lms`` → ``Leiomyosarcoma``)."""
    return histology_labels().get(code, code)


def preset_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Preset comparison rows with reader-facing preset and drug labels."""
    words = {
        "reference": "Reference (Stata metaprop_one)",
        "meta": "R meta (logit GLMM)",
        "metafor": "metafor (logit REML + HKSJ)",
    }
    out = table.copy()
    out["preset"] = out["preset"].map(words)
    out["drug_label"] = out["drug"].map(drug_label)
    return out[out["k"] > 0].reset_index(drop=True)


def reproduction_frame(table: pd.DataFrame, key: str) -> None:
    """Published vs reproduced, with the difference in percentage points (months for medians)."""
    shown = table.copy()
    numbers = [
        "published",
        "published_ci_low",
        "published_ci_high",
        "reproduced",
        "reproduced_ci_low",
        "reproduced_ci_high",
    ]
    months = shown["outcome"].str.endswith("_median")
    for col in [*numbers, "difference"]:
        sign = "+" if col == "difference" else ""
        unit_pct = " pp" if col == "difference" else "%"
        shown[col] = [
            MISSING
            if pd.isna(v)
            else (f"{v:{sign}.2f} mo" if is_months else f"{100 * v:{sign}.1f}{unit_pct}")
            for v, is_months in zip(shown[col], months, strict=True)
        ]
    for col in ("k_published", "k_here", "n_here"):
        shown[col] = [MISSING if pd.isna(v) else str(int(v)) for v in shown[col]]
    shown = shown.astype(object).where(shown.notna(), "")
    shown["drug"] = shown["drug"].map(drug_label)
    labels = histology_labels()
    shown["population"] = shown["population"].map(lambda c: labels.get(c, "All"))
    st.dataframe(
        shown,
        hide_index=True,
        key=key,
        column_order=[
            "source_id",
            "drug",
            "label",
            "population",
            "published",
            "published_ci_low",
            "published_ci_high",
            "reproduced",
            "reproduced_ci_low",
            "reproduced_ci_high",
            "difference",
            "k_published",
            "k_here",
            "n_here",
            "missing_reasons",
            "note",
            "location",
        ],
        column_config={
            "source_id": "Source",
            "drug": "Drug",
            "label": "Quantity",
            "population": "Population",
            "published": "Published",
            "published_ci_low": "CI low",
            "published_ci_high": "CI high",
            "reproduced": "Reproduced",
            "reproduced_ci_low": "CI low ",
            "reproduced_ci_high": "CI high ",
            "difference": "Difference",
            "k_published": "k published",
            "k_here": "k here",
            "n_here": "N here",
            "missing_reasons": "Studies missing here",
            "note": "Note",
            "location": "Where published",
        },
    )
    st.caption(
        "Proportions as fractions, medians in months. The reproduction pools the "
        "studies each meta-analysis included, with the method it reported."
    )


def versions(version: DataVersion) -> None:
    """Data version (date, git revision, hash, counts) and software versions."""
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in version.counts.items())
    st.markdown(
        f"**Data:** {version.date} · git {version.git_revision or 'not in git'} · "
        f"sha256 `{version.sha256[:16]}` · {counts}"
    )
    packages = ("streamlit", "altair", "pandas", "numpy", "scipy", "vl-convert-python")
    soft = " · ".join(f"{p} {pkg_version(p)}" for p in packages)
    st.markdown(
        f"**Software:** Python {platform.python_version()} · {soft} · engine `core` "
        f"at the git revision above"
    )
