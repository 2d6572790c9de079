"""Small render helpers shared by pages: chart + table tabs, pooled-number cards, empty states."""

from __future__ import annotations

import platform
from collections.abc import Hashable, Mapping
from importlib.metadata import version as pkg_version

import pandas as pd
import streamlit as st

from report.colors import DRUG_COLORS, drug_label
from report.params import (  # noqa: F401 (pages call render.describe_filters, render.method_for)
    describe_filters,
    method_for,
)
from report.view_tables import reproduction_view
from tkidata import DataVersion, Filters, Method
from tkidata.wording import (
    age_label,
    design_label,
    extraction_label,
    format_ci,
    format_value,
    is_median,
    line_label,
    outcome_label,
    population_label,
    preset_label,
    regimen_label,
)
from ui.cache import ChartView, histology_labels, view_part
from ui.downloads import figure_downloads
from ui.params import BY_NAME
from ui.style import NARROW_LAYOUT, WIDE_LAYOUT

EVIDENCE_PAGE = "pages/evidence.py"


def chart(view: ChartView, key: str) -> None:
    """Draw a cached chart (theme off, so it matches the export) with its figure downloads.

    A view with a phone layout draws both; the house style (``ui.style``) shows the phone
    layout only on a narrow screen and the full one elsewhere. The downloads are of the full one.
    """

    def draw(spec: dict[str, object], chart_key: str) -> None:
        st.vega_lite_chart(spec=spec, theme=None, key=chart_key, width="content")

    if view.narrow is None:
        draw(view.vega_lite(), key)
    else:
        with st.container(key=f"{key}{WIDE_LAYOUT}"):
            draw(view.vega_lite(), key)
        with st.container(key=f"{key}{NARROW_LAYOUT}"):
            draw(view.narrow.as_dict(), f"{key}_phone")
    figure_downloads(view.chart, key=f"{key}_files")


def view_with_table(view: ChartView, key: str, *, caption: str | None = None) -> None:
    """A cached view (:func:`ui.cache.chart_view`): its chart (theme off, so it matches the
    export) with its figure downloads, and the numbers it draws in a second tab."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        chart(view, key)
    with table_tab:
        st.dataframe(view.reader, hide_index=True, key=f"{key}_table")
    if caption:
        st.caption(caption)


def short_method(m: Method) -> str:
    """The method in force in a few words, for captions under numbers."""
    if m.preset_name:
        return BY_NAME["preset"].format(m.preset_name).split(":")[0]
    return "Adjusted method: " + m.describe().split(";")[0]


def empty_hint(drug: str, what: str, f: Filters) -> str:
    """Why nothing matched, and which filter to relax first."""
    hist = {"all": "", "sts": "soft-tissue ", "bone": "bone "}.get(
        f.histology, BY_NAME["histology"].format(f.histology).split("· ")[-1] + " "
    )
    line = "" if f.line == "any" else BY_NAME["line"].format(f.line).lower() + " "
    head = f"No {hist}{line}studies report {what} for {drug_label(drug)}"
    if f.line != "any" and not f.include_mixed_line:
        return f"{head}: try including trials of a span of lines."
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


def studies_link(study_ids: str, label: str, *, number: str | None = None) -> None:
    """A link to the Evidence page filtered to these study ids (``;``-joined); ``number``
    (``drug:outcome[:months]``) makes the page show the exact rows behind that number."""
    st.page_link(
        EVIDENCE_PAGE,
        label=label,
        icon=":material/menu_book:",
        query_params={
            "studies": study_ids.replace(";", ","),
            **({"number": number} if number else {}),
        },
    )


def study_link_text(drug: str, what: str, n: int) -> str:
    """A link text that says where it leads: ``"The 6 studies behind Anlotinib ORR"``."""
    return f"The study behind {drug} {what}" if n == 1 else f"The {n} studies behind {drug} {what}"


def pooled_number(row: Mapping[str, object], f: Filters) -> None:
    """One pooled outcome of one drug: estimate, CI, k, N, I² and a link to its studies.

    ``row`` is one row of ``tkidata.compare`` (``drug, outcome, timepoint, est, ci_lb, ci_ub,
    k, n, i2, study_ids, user_supplied``); user-supplied studies are counted, not linked.
    """
    outcome, timepoint = str(row["outcome"]), row["timepoint"]
    months = is_median(outcome)
    label = outcome_label(outcome, None if pd.isna(timepoint) else int(timepoint), short=True)
    k = int(row["k"])
    tier = str(row.get("tier_words") or "")
    unpooled = str(row.get("unpooled") or "")
    if k == 0:
        st.metric(label, "—", border=False)
        st.caption(unpooled if unpooled and tier else empty_hint(str(row["drug"]), label, f))
        return
    st.metric(label, format_value(float(row["est"]), months=months), border=False)
    ci = format_ci(row["ci_lb"], row["ci_ub"], months=months)
    n = f"N = {int(row['n'])}" if int(row["n"]) else "N not reported"
    if k == 1:
        st.caption(f"95% CI {ci} · single study, not pooled · {n}")
    else:
        i2 = "—" if pd.isna(row["i2"]) else f"{float(row['i2']):.0f}%"
        st.caption(f"95% CI {ci} · k = {k} · {n} · I² = {i2}")
    if tier:
        certainty = str(row.get("certainty") or "")
        st.caption(f"{tier} · certainty {certainty} (provisional, computed)")
    if unpooled:
        st.caption(unpooled)
    if row.get("mixed_assessment"):
        st.caption(
            "Assessments mixed (best response with fixed-week readings, or rates of both kinds)"
        )
    if row.get("secondary_sources"):
        st.caption(f"Secondary source: {row['secondary_sources']}")
    user = [s for s in str(row.get("user_supplied") or "").split(";") if s]
    if user:
        st.caption(f"incl. {len(user)} user-supplied (not curated)")
    curated = [s for s in str(row["study_ids"]).split(";") if s not in set(user)]
    if curated:
        timepoint_key = "" if pd.isna(timepoint) else f":{int(timepoint)}"
        studies_link(
            ";".join(curated),
            study_link_text(drug_label(str(row["drug"])), label, len(curated)),
            number=f"{row['drug']}:{outcome}{timepoint_key}",
        )


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
    unpooled = result.unpooled  # type: ignore[attr-defined]
    no_ci = unpooled[unpooled["reason"] == "no confidence interval"]
    if len(no_ci):
        values = [
            format_value(v, months=is_median(result.outcome))  # type: ignore[attr-defined]
            for v in no_ci["estimate"]
        ]
        listed = pd.DataFrame(
            {
                "study_id": no_ci["study_id"],
                "label": no_ci["label"],
                "reason": [
                    f"reported {v} without a confidence interval: cannot be pooled" for v in values
                ],
            }
        )
        excluded = pd.concat([listed, excluded], ignore_index=True)
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


def design_word(code: str) -> str:
    """A study design code in words."""
    return design_label(code)


#: evidence-table columns holding codes, and the wording of each
_CODES = {
    "design": design_label,
    "line": line_label,
    "histology_group": population_label,
    "regimen": regimen_label,
    "age_group": age_label,
    "extraction_level": extraction_label,
}


def _evidence_words(table: pd.DataFrame) -> pd.DataFrame:
    shown = table.copy()
    text_columns = [
        c
        for c in shown.columns
        if shown[c].dtype == object or str(shown[c].dtype).startswith("str")
    ]
    shown[text_columns] = shown[text_columns].fillna("")
    for col, words in _CODES.items():
        shown[col] = shown[col].map(lambda v, w=words: w(v) if isinstance(v, str) and v else v)
    shown["drug"] = shown["drug"].map(drug_label)
    labels = histology_labels()
    shown["subtypes"] = shown["subtypes"].map(
        lambda v: ", ".join(labels.get(c, c) for c in v.split(";")) if isinstance(v, str) else v
    )
    return shown


def evidence_frame(table: pd.DataFrame, key: str, *, view: Hashable) -> None:
    """The evidence table with codes in words, percentages, months and DOI links.

    ``view`` names everything ``table`` depends on: its words are made once per view.
    """
    shown = view_part(("evidence_frame", view), lambda: _evidence_words(table))
    cc = st.column_config
    st.dataframe(
        shown,
        hide_index=True,
        key=key,
        column_order=[
            "label",
            "serves",
            "citation",
            "design",
            "line",
            "doi_url",
            "drug",
            "trial",
            "regimen",
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
            "study_id",
            "partner_treatment",
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
            "enters_pools": cc.CheckboxColumn("Behind this patient's numbers"),
            "serves": cc.TextColumn("Serves (evidence tier)", width="medium"),
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
    return population_label(code, histology_labels())


def preset_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Preset comparison rows with reader-facing preset and drug labels."""
    out = table.copy()
    out["preset"] = out["preset"].map(lambda p: preset_label(p, short=True))
    out["drug_label"] = out["drug"].map(drug_label)
    return out[out["k"] > 0].reset_index(drop=True)


def reproduction_frame(table: pd.DataFrame, key: str) -> None:
    """Published vs reproduced: what we reproduce first (partly or fully), then what we cannot.

    Every row says how many of the published studies we hold ("partial reproduction: we hold
    8 of the 16 studies"), so a partial reproduction never reads like a validation.
    """
    view = reproduction_view(table)
    if view.empty:
        st.info("No published pooled result is curated yet.", icon=":material/info:")
        return
    done = view[view["_k"] > 0].drop(columns=["_k", "_share"])
    none = view[view["_k"] == 0].drop(columns=["_k", "_share"])
    full = int(done["Reproduction"].str.startswith("Full").sum())
    st.markdown(
        f"**{len(done)} of {len(view)} published results recomputed here; "
        f"{full} from all of the paper's studies, {len(done) - full} partial reproductions** "
        "(from fewer studies than the paper: a partial reproduction checks the method, "
        "not the published number)."
    )
    st.dataframe(done, hide_index=True, key=key)
    if len(none):
        with st.expander(f"{len(none)} published results we cannot recompute yet (k = 0 here)"):
            st.dataframe(none, hide_index=True, key=f"{key}_none")
    st.caption(
        "The reproduction pools the studies each meta-analysis included that are curated "
        "here, with the method the paper reported. Differences in percentage points "
        "(months for medians)."
    )


def held_lines(held: pd.DataFrame) -> list[str]:
    """One sentence per meta-analysis: "Li 2025 lists 17 included studies or arms (Table 1): we
    hold 17, 9 of
    them with outcome rows"."""
    out = []
    for row in held.itertuples():
        name = str(row.source_id)
        name = name[:-4].capitalize() + " " + name[-4:] if name[-4:].isdigit() else name
        out.append(
            f"{name} lists {row.listed} included studies or arms ({row.location}): we hold "
            f"{row.held}, "
            f"{row.with_outcomes} of them with outcome rows here."
        )
    return out


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
