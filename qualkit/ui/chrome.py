"""Streamlit's own English words in the file uploader, in Danish.

Streamlit has no locale: its frontend writes "Upload" on every file uploader's button and
"200MB per file • CSV" under it. A stylesheet replaces both on every page ("Vælg fil",
"Højst 200 MB pr. fil"); each uploader's label names the file types it takes. The status
widget's "Stop" is Danish already. Checked in Chromium by tests/test_danish_browser.py.
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
"""


def danish_chrome() -> None:
    """The stylesheet, once per run (a style element takes no room on the page)."""
    st.html(f"<style>{CSS}</style>")
