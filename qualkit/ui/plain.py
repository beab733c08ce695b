"""User text (transcripts, memos, code names, titles, speaker labels) shown as plain text.

Streamlit renders Markdown (with its image syntax) and HTML-like autolinks in
``st.markdown``, ``st.write``, messages, captions, headers and widget labels. Everything a
user or an import typed goes through ``plain()`` before it meets one of them, so
``![x](//host/leak.png)``, ``<img src=...>``, ``**fed**`` or ``$x$`` show as the characters
they are and nothing is fetched. Messages that may quote user text use ``plain_message``.
"""

from __future__ import annotations

import re

# Characters that make Markdown/HTML anywhere in a line (CommonMark: backslash-escapable).
_SPECIAL = re.compile(r"([\\`*_\[\]<>~|$])")
# Block syntax at the start of a line: lists, headings, quotes, numbered lists.
_LINE_START = re.compile(r"(?m)^(\s*)([-+#>=]|\d+)([.)]?)")
# What a message needs so that quoted text can neither link, embed nor inject markup.
_MESSAGE = re.compile(r"([\\\[\]<>])")


def _block(m: re.Match[str]) -> str:
    lead, mark, dot = m.group(1), m.group(2), m.group(3)
    if mark.isdigit():  # "1." or "1)": escape the punctuation, a digit cannot be escaped
        return lead + mark + ("\\" + dot if dot else "")
    return lead + "\\" + mark + dot


def plain(text: object) -> str:
    """The text with every Markdown/HTML-significant character escaped."""
    if text is None:
        return ""
    s = _SPECIAL.sub(r"\\\1", str(text).replace("\r\n", "\n"))
    s = _LINE_START.sub(_block, s)
    return s.replace("\n", "  \n")


def plain_message(text: object) -> str:
    """An error or notice that may contain user text: no links, images or HTML."""
    return _MESSAGE.sub(r"\\\1", "" if text is None else str(text))
