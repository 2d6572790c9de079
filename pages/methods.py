"""Methods & validation: the method in force, the presets side by side, published vs
reproduced, and the versions of data and software."""

import streamlit as st

from report import charts
from tkidata.analyses.presets import CI_DIVERGENCE_PP, DIVERGENCE_PP
from tkidata.wording import PRESET_LABELS
from ui import cache, patient, render
from ui.frame import page_frame
from ui.params import direct_only

f, m = page_frame()
st.title("Methods & validation")

st.subheader("Method in force")
st.markdown(m.describe())
st.caption(
    "Preset: "
    + (PRESET_LABELS[m.preset_name] if m.preset_name else "adjusted by hand")
    + ". Change it in the sidebar; every pooled number in the app follows."
)

st.subheader("Evidence for one patient: line, histology tiers and certainty")
patient.methods_section()

st.subheader("The same numbers under the three presets")
st.caption(
    "Freeman–Tukey pooling can mislead when study sizes differ widely or proportions sit near "
    "0 or 1: the back-transform then depends on which mean n is used. A quantity diverges when "
    "what a clinician reads changes with the preset: the estimate moves by more than "
    f"{DIVERGENCE_PP:.0f} percentage points, either 95% CI limit by more than "
    f"{CI_DIVERGENCE_PP:.0f} points, or the Freeman–Tukey estimate lies outside the range of "
    "the study proportions. Each number is pooled at the patient's tier of evidence, as on "
    "Compare."
)
presets = render.preset_frame(cache.preset_comparison(f, direct_only()))
flagged = presets.loc[presets["flag"] != "", ["drug_label", "quantity", "flag"]]
flagged = flagged.drop_duplicates()
if flagged.empty:
    st.success(
        "The presets agree under these filters: estimates within "
        f"{DIVERGENCE_PP:.0f} points and 95% CI limits within {CI_DIVERGENCE_PP:.0f} points.",
        icon=":material/check_circle:",
    )
else:
    for _, row in flagged.iterrows():
        st.warning(
            f"{row['drug_label']} · {row['quantity']}: {row['flag']}", icon=":material/warning:"
        )
preset_view = cache.chart_view(
    ("methods_presets", direct_only()),
    f,
    m,
    lambda: (charts.preset_chart(presets), charts.preset_table(presets)),
)
render.view_with_table(preset_view, key="methods_presets")

st.subheader("Published vs reproduced here")
render.reproduction_frame(cache.reproduction(), key="methods_reproduction")
for line in render.held_lines(cache.held_studies()):
    st.caption(line)

st.subheader("Versions")
render.versions(cache.version())
