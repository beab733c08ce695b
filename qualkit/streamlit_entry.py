"""Streamlit entry script of the installed app (`qualkit serve`, through ``ui/server.py``).

It lives outside ``qualkit/ui/`` on purpose: a ``pages/`` folder next to the main script
would make Streamlit route a deep link (``/coding``) straight to that page's script,
past the log-in and the navigation of ``ui/main.py``.
"""

from qualkit.ui.main import run

run()
