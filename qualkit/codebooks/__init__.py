"""Codebooks: the YAML model (this package), REFI-QDA .qdc conversion (qdc.py)."""

from .model import CodebookDef, CodeDef, load_codebook, load_codebook_text, parse_codebook

__all__ = ["CodeDef", "CodebookDef", "load_codebook", "load_codebook_text", "parse_codebook"]
