"""Safety: all-grade vs grade ≥3 incidence per CTCAE term and drug."""

import streamlit as st

from report import charts
from report.colors import TKI_DRUGS, drug_label
from ui import cache, render
from ui.frame import page_frame

f, m = page_frame()
st.title("Safety")
st.caption(f"{render.describe_filters(f)}  \nMethod: {m.describe()}")
drugs = st.multiselect(
    "Drugs", TKI_DRUGS, default=list(TKI_DRUGS), format_func=drug_label, key="safety_drugs"
)
top = st.slider("Terms shown in the chart (most frequent first)", 5, 40, 15, key="safety_top")
any_grade, grade3 = cache.adverse_events(f, m, "any"), cache.adverse_events(f, m, "3plus")
table = charts.safety_table(any_grade, grade3, drugs=drugs)
if table.empty:
    st.info(
        "No adverse events are reported for the chosen drugs under these filters: try "
        "“All histologies”, “Any line” or another regimen.",
        icon=":material/filter_alt_off:",
    )
else:
    view = cache.chart_view(
        ("safety_chart", tuple(drugs), top),
        f,
        m,
        lambda: (charts.safety_chart(any_grade, grade3, drugs=drugs, top=top), table),
    )
    render.view_with_table(
        view,
        key="safety_chart",
        caption="Pooled among the studies that reported each term; a term a drug's studies "
        "never reported is absent, never zero. Click a column header in the table to sort.",
    )
