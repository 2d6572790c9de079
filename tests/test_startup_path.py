"""The home page's import path stays lean: slides, spreadsheets, figure export, charts (Altair),
the table models (pandera) and the distributions (scipy.special) load on use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: modules only a download needs (python-pptx, openpyxl, vl-convert, XlsxWriter), or only a
#: chart (Altair), a validation (pandera) or a pooling (scipy.special): a server answering from
#: its disk cache draws its first numbers without them
ON_DEMAND = ("pptx", "openpyxl", "vl_convert", "xlsxwriter", "altair", "pandera", "scipy.special")


def _fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter in the repository root (nothing imported yet)."""
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_home_page_imports_no_export_library() -> None:
    # what the server's warm-up imports (ui.warmup.FIRST_SCREEN), and the rest of the frame
    code = (
        "import importlib, sys\n"
        "from ui.warmup import FIRST_SCREEN\n"
        "for name in FIRST_SCREEN: importlib.import_module(name)\n"
        "import ui.cache, ui.downloads, ui.sidebar\n"
        f"print(','.join(m for m in {ON_DEMAND!r} if m in sys.modules))\n"
    )
    out = _fresh_python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"loaded at start-up: {out.stdout.strip()}"


def test_exports_still_load_their_libraries_on_use() -> None:
    code = (
        "import sys, pandas as pd\n"
        "from report.tables import xlsx_bytes\n"
        "assert 'openpyxl' not in sys.modules\n"
        "data = xlsx_bytes({'t': pd.DataFrame({'a': [1]})})\n"
        "assert data[:2] == b'PK' and 'openpyxl' in sys.modules\n"
        "print('ok')\n"
    )
    out = _fresh_python(code)
    assert out.stdout.strip() == "ok", out.stderr


def test_chart_builders_load_altair_on_first_use() -> None:
    code = (
        "import sys\n"
        "from report import charts\n"
        "assert 'altair' not in sys.modules\n"
        "assert callable(charts.forest_chart) and 'altair' in sys.modules\n"
        "print('ok')\n"
    )
    out = _fresh_python(code)
    assert out.stdout.strip() == "ok", out.stderr
