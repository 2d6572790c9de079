"""The one drug → colour map, read from ``tkidata/vocab/drugs.csv`` (Okabe–Ito, colour-blind safe).

Every chart colours drugs through :func:`drug_scale`, whose domain is *all* drugs of the
vocabulary, so a filtered view (one drug, or a drug with no data) keeps the same colours.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Altair loads with the first chart: the first screen draws none
    import altair as alt

DRUGS_CSV = Path(__file__).resolve().parent.parent / "tkidata" / "vocab" / "drugs.csv"


def _read_drugs(path: Path = DRUGS_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


_ROWS = _read_drugs()

#: drug id → hex colour, every drug of the vocabulary (the four TKIs and comparators).
DRUG_COLORS: dict[str, str] = {row["drug"]: row["colour"] for row in _ROWS}
#: drug id → display label ("anlotinib" → "Anlotinib").
DRUG_LABELS: dict[str, str] = {row["drug"]: row["label"] for row in _ROWS}
#: the tyrosine kinase inhibitors compared by the app, in vocabulary order.
TKI_DRUGS: tuple[str, ...] = tuple(row["drug"] for row in _ROWS if row["role"] == "tki")


#: one mark shape per drug, in vocabulary order, so colour is never the only cue to the drug.
SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down")
DRUG_SHAPES: dict[str, str] = {d: SHAPES[i % len(SHAPES)] for i, d in enumerate(DRUG_COLORS)}


def drug_label(drug: str) -> str:
    """Return the display label of a drug id, or the id itself when it is not in the vocabulary."""
    return DRUG_LABELS.get(drug, drug)


def drug_scale() -> alt.Scale:
    """Return the colour scale over display labels of every drug in the vocabulary.

    Charts encode colour on the drug *label* (what a reader sees in the legend); the domain holds
    all drugs so colours do not shift when a filter leaves some drugs out.
    """
    import altair as alt

    return alt.Scale(
        domain=[DRUG_LABELS[d] for d in DRUG_COLORS],
        range=list(DRUG_COLORS.values()),
    )


def drug_shape_scale() -> alt.Scale:
    """Return the shape scale over display labels of every drug (the twin of :func:`drug_scale`)."""
    import altair as alt

    return alt.Scale(
        domain=[DRUG_LABELS[d] for d in DRUG_SHAPES],
        range=list(DRUG_SHAPES.values()),
    )
