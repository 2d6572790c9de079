"""Time to build the default tumour-board deck vs the time to render its figures alone.

Both are measured in the same run, interleaved, on cold render caches: the deck as the Export
page builds it on a click (slide charts drawn from the pooled results, rendered, laid out as
PPTX) and, as the reference, vl-convert rendering the very same slide charts (SVG and PNG at
slide resolution) with nothing around them, in the two render workers and in this process one
after the other. The deck uses the workers only when a core is idle (``spare_core``). The
pooling is done once beforehand (the page holds it in its caches). The ratio deck / figures is
the cost of the deck around its figures. Goal: the deck in <= 3 s.

    python benchmarks/exports.py [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from altair.utils._importers import vl_version_for_vl_convert  # noqa: E402

import tkidata  # noqa: E402
from report import rendering  # noqa: E402
from report.deck import CONTENT_H_IN, CONTENT_W_IN, MIN_PPI, ChartSlide, deck_bytes  # noqa: E402
from report.figures import clear_cache  # noqa: E402
from report.view import compute_view, view_deck_content  # noqa: E402

GOAL_S = 3.0


def _deck(view: object) -> float:
    clear_cache()
    start = time.perf_counter()
    deck_bytes(view_deck_content(view, date="2026-01-01"))
    return time.perf_counter() - start


def _figures(charts: list, *, parallel: bool) -> float:
    version = vl_version_for_vl_convert()
    jobs = [
        rendering.Job(
            json.dumps(c.to_dict(validate=False)),
            version,
            box=(CONTENT_W_IN, CONTENT_H_IN),
            min_ppi=MIN_PPI,
        )
        for c in charts
    ]
    start = time.perf_counter()
    rendering.render_all(jobs, parallel=parallel)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    ev = tkidata.load()
    view = compute_view(ev, tkidata.Filters(), tkidata.Method.preset("reference"))
    content = view_deck_content(view, date="2026-01-01")
    charts = [s.chart for s in content.slides if isinstance(s, ChartSlide)]
    _deck(view)  # warm-up: vl-convert loaded in this process and in the workers
    _figures(charts, parallel=True)
    parallel = rendering.spare_core()
    deck_s, figures_s, serial_s = [], [], []
    for _ in range(args.repeats):
        deck_s.append(_deck(view))
        figures_s.append(_figures(charts, parallel=True))
        serial_s.append(_figures(charts, parallel=False))
    deck = statistics.median(deck_s)
    figures = statistics.median(figures_s)
    serial = statistics.median(serial_s)
    mode = "two workers" if parallel else "one process (no core to spare)"
    print(f"Default deck ({len(content.slides)} body slides, {len(charts)} charts), {mode}:")
    print(
        f"  deck build           median {deck:.2f} s over {args.repeats} (goal <= {GOAL_S:.0f} s)"
    )
    print(f"  figures alone, workers  median {figures:.2f} s")
    print(f"  figures alone, serial   median {serial:.2f} s (one process)")
    alone = figures if parallel else serial
    print(f"  ratio deck / figures    {deck / alone:.2f}x (figures as the deck drew them)")
    if args.json:
        print(
            json.dumps(
                {
                    "deck_s": round(deck, 3),
                    "figures_s": round(figures, 3),
                    "figures_serial_s": round(serial, 3),
                    "charts": len(charts),
                    "repeats": args.repeats,
                    "ratio": round(deck / alone, 3),
                    "parallel": parallel,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
