"""House style shared by every chart: one font, legible sizes, the drug colour encoding."""

from __future__ import annotations

import altair as alt

from report.colors import TKI_DRUGS, drug_label, drug_scale, drug_shape_scale

FONT = "Liberation Sans"


_HOUSE_CONFIG = alt.Config(
    font=FONT,
    axis=alt.AxisConfig(labelFontSize=13, titleFontSize=14, labelLimit=320, grid=True),
    title=alt.TitleConfig(fontSize=16, anchor="start", subtitleFontSize=13, subtitleColor="#333"),
    legend=alt.LegendConfig(labelFontSize=13, titleFontSize=13, orient="bottom", columns=2),
    header=alt.HeaderConfig(labelFontSize=14, titleFontSize=14),
    view=alt.ViewConfig(stroke=None),
    # screen readers get the chart's description, not each mark's field names ("ci_lb: 7%")
    mark=alt.MarkConfig(aria=False),
)


def configure(chart: alt.TopLevelMixin, *, description: str) -> alt.TopLevelMixin:
    """Apply the house style: one font, sizes legible on a projector, no view border.

    ``description`` is the chart's accessible name: what a screen reader announces for it (on
    screen Streamlit passes a spec's top-level description to Vega).

    Autosize ``pad`` keeps the plot at its set width with labels around it, on screen (where
    Streamlit would otherwise squeeze a single view, labels included, into that width) and in
    exports alike.
    """
    chart.autosize = alt.AutoSizeParams(type="pad", contains="padding")
    chart.config = _HOUSE_CONFIG
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


def value_axis(months: bool, title: str) -> alt.Axis:
    """Return an x axis in months (``"12"``) or percent (``"40%"``)."""
    return alt.Axis(title=title, format=".0f" if months else ".0%", tickCount=6)
