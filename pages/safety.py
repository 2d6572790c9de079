"""Safety: all-grade vs grade ≥3 incidence per CTCAE term and drug, at each drug's tier."""

import streamlit as st

from report import charts
from report.colors import TKI_DRUGS, drug_label
from tkidata.wording import no_study
from ui import cache, patient, render
from ui.frame import page_frame
from ui.params import direct_only

f, m = page_frame()
direct = direct_only()
st.title("Safety")
st.caption(f"{render.describe_filters(f)}  \nMethod: {m.describe()}")
safety = cache.safety(f, m, direct)
st.markdown(
    "Each drug's events come from the most direct tier of evidence that reports grade ≥3 "
    "events for this patient, as on Compare:"
)
st.markdown(patient.safety_tiers(safety, f.histology, direct_only=direct))
drugs = st.multiselect(
    "Drugs", TKI_DRUGS, default=list(TKI_DRUGS), format_func=drug_label, key="safety_drugs"
)
top = st.slider("Terms shown in the chart (most frequent first)", 5, 40, 15, key="safety_top")
any_grade = {d: a.table for d, a in safety.any_grade.items()}
grade3 = {d: a.table for d, a in safety.grade3.items()}
table = charts.safety_table(any_grade, grade3, drugs=drugs)
if table.empty:
    st.info(
        no_study("Adverse events of the chosen drugs", direct_only=direct),
        icon=":material/filter_alt_off:",
    )
    st.caption(
        "No tier of evidence reports adverse events under these filters: try “Any line”, "
        "“All designs” or another regimen."
    )
else:
    cards = tuple(dict.fromkeys(t for d in drugs for t in safety.grade3[d].top()["term"]))
    view = cache.chart_view(
        ("safety_chart", tuple(drugs), top, direct, cards),
        f,
        m,
        lambda: (
            charts.safety_chart(any_grade, grade3, drugs=drugs, top=top, always=cards),
            table,
        ),
    )
    render.view_with_table(
        view,
        key="safety_chart",
        caption="Pooled among the studies that reported each term, at each drug's tier; a "
        "term a drug's studies never reported is absent, never zero. The most frequent grade "
        "≥3 events of each drug (as on Compare) are always shown. Click a column header in the "
        "table to sort.",
    )
