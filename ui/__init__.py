"""Streamlit helpers shared by the pages: the frame, sidebar filters, cached analysis, rendering."""
