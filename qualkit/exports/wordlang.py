"""Word files in Danish: the document's default language (spelling, hyphenation) is da-DK."""

from __future__ import annotations

from typing import Any

LANGUAGE = "da-DK"


def set_danish(doc: Any, language: str = LANGUAGE) -> None:
    """Set the default run language of every style and the core property of a python-docx
    Document to Danish."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc.core_properties.language = language
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
    lang.set(qn("w:bidi"), "ar-SA")
