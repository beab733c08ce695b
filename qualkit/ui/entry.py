"""Streamlit entry script inside the package (used by `qualkit demo` / `qualkit serve`)."""

from qualkit.ui.main import run

run()
