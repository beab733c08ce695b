"""Transcripts: the turn-per-paragraph text format, and (issue 3) transcription."""
