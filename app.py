"""Streamlit entry: `streamlit run app.py` (set QUALKIT_DATA to choose the data folder)."""

from qualkit.ui.main import run

run()
