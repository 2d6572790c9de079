"""Charts and exports: pure functions from analysis results to Altair charts and bytes.

No Streamlit here: a page and an export draw the same chart from the same function.
"""
