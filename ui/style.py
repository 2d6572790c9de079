"""Page-wide CSS the theme cannot set: a visible focus ring and charts that never widen a page.

WCAG 2.2 AA asks for a visible keyboard focus (2.4.7, 2.4.11) and for content that reflows at
320 CSS px without scrolling in two directions (1.4.10). The compact charts are drawn about
360 px wide; a forest plot is drawn twice, in full and in a phone layout (study, plot and
estimate), and a screen at most :data:`PHONE_MAX_PX` wide shows the phone one. A chart still
wider than the screen is scaled down to the screen's width, keeping its proportions, so the page
never pans sideways (wide tables scroll inside their own box, as ``st.dataframe`` does). The
chosen options of a multiselect wrap onto more lines instead of running out of its box, where a
phone could neither see nor remove them (Evidence's drug and design choices reached 474 px of a
390 px screen).
"""

from __future__ import annotations

import streamlit as st

FOCUS_COLOUR = "#0072B2"
#: key suffixes of the two containers of a chart drawn in two layouts (``ui.render.chart``)
WIDE_LAYOUT, NARROW_LAYOUT = "_layout_wide", "_layout_phone"
#: screens at most this wide (CSS px) get a chart's phone layout
PHONE_MAX_PX = 640

HOUSE_CSS = f"""
<style>
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible,
[role="radio"]:focus-visible, [role="tab"]:focus-visible, [role="switch"]:focus-visible,
[role="combobox"]:focus-visible, [tabindex]:focus-visible,
label:focus-within > div:first-child {{
  outline: 3px solid {FOCUS_COLOUR} !important;
  outline-offset: 2px !important;
}}
[data-testid="stSidebarNav"] a:focus-visible {{
  background-color: #E6F1F8 !important;
}}
[data-testid^="stPageLink"] * {{
  white-space: normal !important;
  text-overflow: clip !important;
  overflow: visible !important;
}}
[data-testid="stVegaLiteChart"], [data-testid="stElementContainer"] {{
  max-width: 100%;
}}
[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas {{
  max-width: 100% !important;
  height: auto !important;
}}
[data-testid="stMultiSelect"] [role="group"] {{
  height: auto !important;
  max-height: none !important;
}}
[data-testid="stMultiSelectTagsContainer"] {{
  flex-wrap: wrap !important;
}}
[class*="{NARROW_LAYOUT}"] {{
  display: none !important;
}}
@media (max-width: {PHONE_MAX_PX}px) {{
  [class*="{WIDE_LAYOUT}"] {{
    display: none !important;
  }}
  [class*="{NARROW_LAYOUT}"] {{
    display: flex !important;
  }}
}}
</style>
"""


def apply_house_style() -> None:
    """Add the house CSS to the page (call once per run, before the page's content)."""
    st.html(HOUSE_CSS)
