"""The network of randomised comparisons: treatments as nodes, trials as edges.

Each connected component is drawn as a star around its reference treatment (placebo when it is
in the component), the other treatments on a circle around it; components are stacked one
under another and named. Node area grows with the number of trials a treatment is in; an edge's
width with the number of trials comparing its two treatments. The layout is fixed (computed
here), so the same network always looks the same on screen, in an export and on a slide.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from report.charts.style import configure
from tkidata.comparative import IndirectComparisons
from tkidata.wording import treatment_label

#: the chart's width in pixels (fits a phone)
PANEL = 300
_RADIUS = 0.62  # nodes' circle, in panel half-widths
_GAP = 0.45  # between stacked networks and around them
_NODE_COLOUR = "#3b5b92"
NETWORK_COLUMNS = (
    "kind", "network", "label", "trials", "trial_names", "role", "_x", "_y", "_x2", "_y2", "_above"
)  # fmt: skip
_CONTROL_COLOUR = "#6b6f7a"


def _layout(nodes: tuple[str, ...], reference: str, edges: list[tuple[str, str]]) -> dict:
    """Fixed places: the reference in the centre, its neighbours on a circle around it, a
    treatment met only through a neighbour above that neighbour."""
    if len(nodes) == 2:  # one trial: the two treatments side by side
        other = next(n for n in nodes if n != reference)
        return {reference: (-_RADIUS / 2, 0.0), other: (_RADIUS / 2, 0.0)}
    near = {b if a == reference else a for a, b in edges if reference in (a, b)}
    ring = sorted(near) or sorted(n for n in nodes if n != reference)
    place = {reference: (0.0, 0.0)}
    for i, node in enumerate(ring):
        angle = math.pi - 2 * math.pi * i / len(ring)
        place[node] = (_RADIUS * math.cos(angle), _RADIUS * math.sin(angle))
    rest = sorted(n for n in nodes if n not in place)
    for step, node in enumerate(rest):
        parent = next(
            (
                b if a == node else a
                for a, b in edges
                if node in (a, b) and (b if a == node else a) in place
            ),
            ring[0],
        )
        px, py = place[parent]
        place[node] = (px + 0.2 * step, py + 0.55)
    return place


def network_table(ic: IndirectComparisons) -> pd.DataFrame:
    """Rows drawn by :func:`network_chart`: one row per node and one per edge.

    Columns: ``kind`` (``node`` / ``edge``), ``network`` (1, 2, …), ``label`` (a treatment in
    words, or "A – B" for an edge), ``trials`` (how many), ``trial_names``, ``x``, ``y`` (the
    node's place, or the edge's start), ``role`` (``treatment``, ``control arm`` — a node that is
    some trial's control —, or ``trial`` for an edge), and the drawing positions ``_x``, ``_y``
    (a node, an edge's start), ``_x2``, ``_y2`` (an edge's end), ``_above`` (label above).
    """
    records: list[dict[str, object]] = []
    top = 0.0
    controls = set(ic.contrasts["treat2"])
    for number, comp in enumerate(ic.components, start=1):
        pairs = [(e.treat1, e.treat2) for e in comp.result.geometry.edges]
        local = _layout(comp.nodes, comp.reference, pairs)
        high = max(y for _, y in local.values())
        low = min(y for _, y in local.values())
        shift = top - high - _GAP
        place = {n: (x, y + shift) for n, (x, y) in local.items()}
        top = low + shift - _GAP
        n_trials = {node: 0 for node in comp.nodes}
        for edge in comp.result.geometry.edges:
            for node in (edge.treat1, edge.treat2):
                n_trials[node] += edge.n_studies
            (x1, y1), (x2, y2) = place[edge.treat1], place[edge.treat2]
            records.append(
                {
                    "kind": "edge",
                    "network": number,
                    "label": f"{treatment_label(edge.treat1)} – "
                    f"{treatment_label(edge.treat2).lower()}",
                    "trials": edge.n_studies,
                    "trial_names": ", ".join(edge.studies),
                    "_x": x1,
                    "_y": y1,
                    "_x2": x2,
                    "_y2": y2,
                    "role": "trial",
                    "_above": False,
                }
            )
        for node in comp.nodes:
            x, y = place[node]
            records.append(
                {
                    "kind": "node",
                    "network": number,
                    "label": treatment_label(node),
                    "trials": n_trials[node],
                    "trial_names": "",
                    "_x": x,
                    "_y": y,
                    "_x2": None,
                    "_y2": None,
                    "role": "control arm" if node in controls else "treatment",
                    "_above": local[node][1] >= 0 and node != comp.reference,
                }
            )
    return pd.DataFrame(records, columns=list(NETWORK_COLUMNS))


def network_chart(ic: IndirectComparisons, *, width: int = PANEL) -> alt.LayerChart:
    """The patient's network(s) of randomised PFS comparisons (fixed layout)."""
    table = network_table(ic)
    low = float(table["_y"].min()) - _GAP if len(table) else -1.0
    x_scale = alt.Scale(domain=[-1.3, 1.3], nice=False)
    y_scale = alt.Scale(domain=[low, 0.0], nice=False)
    height = int(width * (-low) / 2.6)
    no_axis = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    x = alt.X("_x:Q", scale=x_scale, axis=no_axis)
    y = alt.Y("_y:Q", scale=y_scale, axis=no_axis)
    edges = alt.Chart(table).transform_filter("datum.kind == 'edge'")
    nodes = alt.Chart(table).transform_filter("datum.kind == 'node'")
    colour = alt.condition(
        "datum.role == 'control arm'", alt.value(_CONTROL_COLOUR), alt.value(_NODE_COLOUR)
    )
    layers = alt.layer(
        edges.mark_rule(color="#8a8f99").encode(
            x=x,
            y=y,
            x2=alt.X2("_x2:Q"),
            y2=alt.Y2("_y2:Q"),
            strokeWidth=alt.StrokeWidth("trials:Q", scale=alt.Scale(range=[2, 6]), legend=None),
            tooltip=[
                alt.Tooltip("label:N", title="Comparison"),
                alt.Tooltip("trial_names:N", title="Trials"),
            ],
        ),
        nodes.mark_circle(opacity=1).encode(
            x=x,
            y=y,
            size=alt.Size("trials:Q", scale=alt.Scale(range=[250, 900]), legend=None),
            color=colour,
            tooltip=[
                alt.Tooltip("label:N", title="Treatment"),
                alt.Tooltip("trials:Q", title="Trials"),
            ],
        ),
        nodes.transform_filter("datum._above")
        .mark_text(dy=-22, fontSize=12, fontWeight="bold", color="#222")
        .encode(x=x, y=y, text=alt.Text("label:N")),
        nodes.transform_filter("!datum._above")
        .mark_text(dy=24, fontSize=12, fontWeight="bold", color="#222")
        .encode(x=x, y=y, text=alt.Text("label:N")),
    ).properties(
        width=width,
        height=max(height, 120),
        title=alt.TitleParams(
            "Network of randomised comparisons (PFS)",
            subtitle=["Circles: treatments (grey: a trial's control);", "lines: trials"],
        ),
    )
    nodes_text = "; ".join(
        f"network {r.network}: {r.label} ({r.trials} trial{'s' if r.trials != 1 else ''})"
        for r in table[table["kind"] == "node"].itertuples(index=False)
    )
    edges_text = "; ".join(
        f"{r.label}: {r.trial_names}" for r in table[table["kind"] == "edge"].itertuples()
    )
    return configure(
        layers,
        description=f"Network of randomised comparisons. Treatments: {nodes_text}. "
        f"Trials: {edges_text}.",
    )
