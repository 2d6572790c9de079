"""House style shared by every chart: one font, legible sizes, the drug colour encoding."""

from __future__ import annotations

import altair as alt
from altair.utils.schemapi import disable_debug_mode

from report.charts import altair_copy, altair_data
from report.colors import TKI_DRUGS, drug_label, drug_scale, drug_shape_scale

# Altair's debug mode validates every schema object as it is constructed, a third of the time
# of drawing a deck's charts; each chart's whole spec is validated against the Vega-Lite schema
# by the chart tests, and every spec a page draws by the page tests.
disable_debug_mode()
# Altair's deep copies of charts visit every unset property: half of a chart's build time
altair_copy.install()
# Altair's data transformer converts a frame to rows through pandas: half of a spec's time
altair_data.install()

FONT = "Liberation Sans"
#: text size (CSS px) of labels on screen.
SCREEN_TEXT = 13
#: text size (CSS px) of labels of charts built for a slide: shown at about 1 px = 1 pt, so a
#: label reads at 15 pt and stays at least 14 pt when a chart is shrunk a little to fit.
SLIDE_TEXT = 15


def house_config(text: int = SCREEN_TEXT) -> alt.Config:
    """The house style with labels of ``text`` px (axis titles +1, chart titles +3)."""
    return alt.Config(
        font=FONT,
        axis=alt.AxisConfig(labelFontSize=text, titleFontSize=text + 1, labelLimit=320, grid=True),
        title=alt.TitleConfig(
            fontSize=text + 3, anchor="start", subtitleFontSize=text, subtitleColor="#333"
        ),
        legend=alt.LegendConfig(labelFontSize=text, titleFontSize=text, orient="bottom", columns=2),
        header=alt.HeaderConfig(labelFontSize=text + 1, titleFontSize=text + 1),
        view=alt.ViewConfig(stroke=None),
        # screen readers get the chart's description, not each mark's field names ("ci_lb: 7%")
        mark=alt.MarkConfig(aria=False),
    )


def configure(
    chart: alt.TopLevelMixin, *, description: str, text: int = SCREEN_TEXT
) -> alt.TopLevelMixin:
    """Apply the house style: one font, sizes legible on a projector, no view border.

    ``description`` is the chart's accessible name: what a screen reader announces for it (on
    screen Streamlit passes a spec's top-level description to Vega).

    Autosize ``pad`` keeps the plot at its set width with labels around it, on screen (where
    Streamlit would otherwise squeeze a single view, labels included, into that width) and in
    exports alike. ``text`` is the label size (:data:`SLIDE_TEXT` for slides).
    """
    chart.autosize = alt.AutoSizeParams(type="pad", contains="padding")
    chart.config = house_config(text)
    chart.description = description
    return chart


def tki_labels() -> list[str]:
    """Return the display labels of the four TKIs, in the house order."""
    return [drug_label(d) for d in TKI_DRUGS]


def drug_colour(*, legend: bool) -> alt.Color:
    """Colour by drug label over the full drug domain; the legend lists the four TKIs only."""
    return alt.Color(
        "drug_label:N",
        scale=drug_scale(),
        legend=alt.Legend(title="Drug", values=tki_labels()) if legend else None,
    )


def drug_shape(*, legend: bool) -> alt.Shape:
    """Shape by drug label over the full drug domain, so colour is never the only cue."""
    return alt.Shape(
        "drug_label:N",
        scale=drug_shape_scale(),
        legend=alt.Legend(title="Drug", values=tki_labels()) if legend else None,
    )


def drug_interval(
    base: alt.Chart,
    *,
    x_scale: alt.Scale,
    axis: alt.Axis,
    y: alt.Y,
    tooltip: list[alt.Tooltip],
    stroke_width: float,
    size: float,
    legend: bool,
    y_offset: alt.YOffset | None = None,
) -> tuple[alt.Chart, alt.Chart]:
    """An estimate per drug: its 95% CI as a rule (``ci_lb``–``ci_ub``) and the estimate
    (``est``) as a filled point, coloured and shaped by drug (``y_offset`` sets drugs apart
    within a row)."""
    offset = {} if y_offset is None else {"yOffset": y_offset}
    colour = drug_colour(legend=legend)
    rule = base.mark_rule(strokeWidth=stroke_width).encode(
        x=alt.X("ci_lb:Q", scale=x_scale, axis=axis),
        x2=alt.X2("ci_ub:Q"),
        y=y,
        **offset,
        color=colour,
    )
    dot = base.mark_point(size=size, opacity=1, filled=True).encode(
        x=alt.X("est:Q", scale=x_scale),
        y=y,
        **offset,
        color=colour,
        shape=drug_shape(legend=legend),
        tooltip=tooltip,
    )
    return rule, dot


def value_axis(months: bool, title: str) -> alt.Axis:
    """Return an x axis in months (``"12"``) or percent (``"40%"``).

    Each label is centred on its tick: Vega's default pulls the last one inside the plot, where
    it ran into the one before ("40%50%" on a narrow forest plot)."""
    return alt.Axis(title=title, format=".0f" if months else ".0%", tickCount=6, labelFlush=False)
