"""Sarcoma TKI evidence explorer: four tyrosine kinase inhibitors side by side.

Run with ``streamlit run app.py``. Layout lives in ``pages/``, shared widgets in ``ui/``.

This file has two roles. Streamlit runs it as the script of every session (as ``__main__``).
``streamlit run`` also finds the ``st.App`` below and serves it: its lifespan imports the first
screen's modules while the browser is still loading the page (``ui.warmup``).
"""

import streamlit as st

if __name__ == "__main__":  # a session's script run
    from ui.frame import run_app

    run_app()
else:  # imported by ``streamlit run`` to be served
    from starlette.middleware import Middleware

    from ui.warmup import HoldSessions, lifespan

    app = st.App(__file__, lifespan=lifespan, middleware=[Middleware(HoldSessions)])
