"""Exporters: themed quote sets (.docx), REFI-QDA projects (.qdpx), coding tables (.xlsx/.csv).

Plain functions over plain records (``records.py``); the services decide what may
leave (de-identified text only, no withdrawn participants, no revealing quotes) and
the safety check (``safety.py``) re-reads every text before anything is written.
"""

from .files import write_atomic
from .records import Descriptor, Quote, age_decade, describe

__all__ = ["Descriptor", "Quote", "age_decade", "describe", "write_atomic"]
