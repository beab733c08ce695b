"""Streamlit's own frontend, made fit for the app: Danish words, no unchecked way out.

Streamlit has no locale: its frontend writes "Upload" on every file uploader's button and
"200MB per file • CSV" under it. A stylesheet replaces both on every page ("Vælg fil",
"Højst 200 MB pr. fil"); each uploader's label names the file types it takes. The status
widget's "Stop" is Danish already.

The same stylesheet hides the toolbar Streamlit puts on every table and chart ("Download as
CSV", "Search", "Fullscreen", "Show data", English tooltips): its download would let a table's
text (the review table holds real names before approval) leave as a file without the safety
check every export passes (services/export_policy.py). Checked in Chromium by
tests/test_danish_browser.py.
"""

from __future__ import annotations

import streamlit as st

BUTTON = "Vælg fil"
LIMIT = "Højst 200 MB pr. fil"

_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
_INSTRUCTIONS = '[data-testid="stFileUploaderDropzoneInstructions"]'
CSS = f"""
{_DROPZONE} button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
{_DROPZONE} button [data-testid="stMarkdownContainer"] p::after {{
  content: "{BUTTON}"; font-size: 14px;
}}
{_INSTRUCTIONS} span {{ font-size: 0; }}
{_INSTRUCTIONS} span::after {{ content: "{LIMIT}"; font-size: 14px; }}
[data-testid="stElementToolbar"] {{ display: none !important; }}
"""


def danish_chrome() -> None:
    """The stylesheet, once per run (a style element takes no room on the page)."""
    st.html(f"<style>{CSS}</style>")
