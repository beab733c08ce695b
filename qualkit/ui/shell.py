"""Running one page body with the app's error handling (used by the page scripts)."""

from __future__ import annotations

import importlib

from qualkit.errors import QualkitError

from . import state


def run_page(key: str) -> None:
    module = importlib.import_module(f"qualkit.ui.views.{key}")
    try:
        module.render()
    except QualkitError as exc:
        state.show_error(exc)
