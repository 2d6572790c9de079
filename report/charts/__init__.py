"""Altair chart builders, one module per chart kind, each builder beside its ``*_table`` twin.

Each public ``<name>_chart(x, ...)`` draws exactly the DataFrame that ``<name>_table(x, ...)``
returns, so a page can show the numbers behind a chart and an export can draw the same chart.
Functions are pure (no Streamlit, no file I/O). Proportions are fractions in [0, 1]; medians are
months. Drug colours come from :mod:`report.colors` with the full drug domain; words and number
formats from :mod:`tkidata.wording`.

========================  ==========================================================
module                    charts
========================  ==========================================================
``comparison``            Compare's four-drug efficacy panels
``ae_panel``              Compare's grade ≥3 adverse-event panel (and its matrix)
``forest_plot``           study, subgroup and leave-one-out forest plots
``funnel_plot``           funnel plot with Egger's test
``cumulative_plot``       cumulative meta-analysis by publication year
``bubble_plot``           meta-regression bubble plot with regression line and CI band
``safety``                all-grade vs grade ≥3 panels per CTCAE term
``hazard_ratio``          within-trial hazard ratios vs each trial's control
``network``               the network of randomised comparisons (Head to head)
``presets``               the same pooled values under the three method presets
``prisma_flow``           the documented search of each drug as a PRISMA-style flow
``style``                 the house style and drug colour encoding they share
========================  ==========================================================
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: builder → the module that holds it. Modules load on first use (PEP 562): the app's first
#: screen draws no chart, and Altair takes a sixth of a second to import.
_HOME: dict[str, str] = {
    "ae_panel_chart": "ae_panel",
    "ae_panel_matrix": "ae_panel",
    "ae_panel_table": "ae_panel",
    "bubble_chart": "bubble_plot",
    "bubble_table": "bubble_plot",
    "comparison_chart": "comparison",
    "comparison_table": "comparison",
    "cumulative_chart": "cumulative_plot",
    "cumulative_table": "cumulative_plot",
    "forest_chart": "forest_plot",
    "forest_table": "forest_plot",
    "funnel_chart": "funnel_plot",
    "funnel_table": "funnel_plot",
    "hazard_ratio_chart": "hazard_ratio",
    "hazard_ratio_table": "hazard_ratio",
    "leave_one_out_chart": "forest_plot",
    "network_chart": "network",
    "network_table": "network",
    "leave_one_out_table": "forest_plot",
    "preset_chart": "presets",
    "preset_table": "presets",
    "prisma_chart": "prisma_flow",
    "prisma_table": "prisma_flow",
    "safety_chart": "safety",
    "safety_table": "safety",
    "study_info_from_rows": "forest_plot",
    "subgroup_forest_chart": "forest_plot",
    "subgroup_forest_table": "forest_plot",
}

if TYPE_CHECKING:  # the builders' names for type checkers (they load on first use)
    from report.charts.ae_panel import ae_panel_chart, ae_panel_matrix, ae_panel_table  # noqa: F401
    from report.charts.bubble_plot import bubble_chart, bubble_table  # noqa: F401
    from report.charts.comparison import comparison_chart, comparison_table  # noqa: F401
    from report.charts.cumulative_plot import cumulative_chart, cumulative_table  # noqa: F401
    from report.charts.forest_plot import (  # noqa: F401
        forest_chart,
        forest_table,
        leave_one_out_chart,
        leave_one_out_table,
        study_info_from_rows,
        subgroup_forest_chart,
        subgroup_forest_table,
    )
    from report.charts.funnel_plot import funnel_chart, funnel_table  # noqa: F401
    from report.charts.hazard_ratio import hazard_ratio_chart, hazard_ratio_table  # noqa: F401
    from report.charts.network import network_chart, network_table  # noqa: F401
    from report.charts.presets import preset_chart, preset_table  # noqa: F401
    from report.charts.prisma_flow import prisma_chart, prisma_table  # noqa: F401
    from report.charts.safety import safety_chart, safety_table  # noqa: F401


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


__all__ = sorted(_HOME)
