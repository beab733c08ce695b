"""qualkit: qualitative process evaluation, Danish first, fully local."""

__version__ = "0.1.0"
