"""Write the curated ORR arms of the four drugs as ``study,events,n,year,design,drug`` rows.

The meta-regression and cumulative fixtures (``metareg_fixtures.R``) and the CLI tests read the
file it writes, ``tests/fixtures/metafor/metareg_sarcoma_orr.csv``: every arm that
``tkidata.analyses.pooling.pool_outcome`` pools for ORR under the default filters (all
histologies, any line, monotherapy), in pool order, with the arm's publication year and design.

    python validation/metafor/sarcoma_orr.py      (from the repository root)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tkidata import load  # noqa: E402
from tkidata.analyses.method import Method  # noqa: E402
from tkidata.analyses.pooling import pool_outcome  # noqa: E402
from tkidata.patient.filters import Filters  # noqa: E402

DRUGS = ("anlotinib", "apatinib", "regorafenib", "pazopanib")
OUT = ROOT / "tests" / "fixtures" / "metafor" / "metareg_sarcoma_orr.csv"


def main() -> int:
    ev = load()
    studies = ev.studies.set_index("study_id")
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["study", "events", "n", "year", "design", "drug"])
        for drug in DRUGS:
            result = pool_outcome(ev, drug, "orr", Filters(), Method())
            pooled = set(result.study_ids)
            for _, row in result.selection.rows.iterrows():
                if row["study_id"] not in pooled:
                    continue
                arm = studies.loc[row["study_id"]]
                writer.writerow(
                    [
                        row["label"],
                        int(row["events"]),
                        int(row["n"]),
                        int(arm["year"]),
                        arm["design"],
                        drug,
                    ]
                )
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
