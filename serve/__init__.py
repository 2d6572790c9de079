"""Serving the app to many readers: Streamlit replicas behind nginx (``make serve``)."""
