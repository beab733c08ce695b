"""Use cases with their permission checks; the CLI and the app both call these."""
