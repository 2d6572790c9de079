"""Sarcoma TKI evidence explorer: four tyrosine kinase inhibitors side by side.

Run with ``streamlit run app.py``. Layout lives in ``pages/``, shared widgets in ``ui/``.
"""

from ui.frame import run_app

run_app()
