"""The app's session cookie: signed, HttpOnly, tied to a server-side ``auth_session`` row.

Streamlit cannot set an HttpOnly cookie from a script, so ``qualkit/ui/server.py`` runs
the app as an ``st.App`` with two small routes of ours:

- ``POST /api/qualkit/session`` with a one-time code (made by the script right after a
  successful log-in, valid 60 s, used once) sets ``qualkit_session`` = token + signature
  (HMAC under the server secret), HttpOnly, SameSite=Strict, Path=/.
- ``POST /api/qualkit/logout`` clears it (and revokes its session).

The script reads the cookie from ``st.context.cookies`` at the next connection (reload,
bookmark, deep link) and resolves it through ``services.auth.resolve``, which re-reads the
user and applies the idle timeout, log-out and deactivation.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from qualkit.store import Database
from qualkit.userconfig import server_secret

COOKIE = "qualkit_session"
SESSION_PATH = "/api/qualkit/session"
LOGOUT_PATH = "/api/qualkit/logout"
CODE_SECONDS = 60
COOKIE_DAYS = 30  # the browser's copy; the server's idle timeout decides

_pending: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def _key() -> bytes:
    data = os.environ.get("QUALKIT_DATA")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"qualkit-session-cookie"
    ).derive(server_secret(Path(data) if data else None))


@lru_cache(maxsize=1)
def _database() -> Database:
    return Database.open(os.environ.get("QUALKIT_DATA"), os.environ.get("QUALKIT_DATABASE_URL"))


def sign(token: str) -> str:
    mac = hmac.new(_key(), token.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{token}.{mac}"


def unsign(value: str | None) -> str | None:
    """The token of a correctly signed cookie value, else None."""
    if not value or "." not in value:
        return None
    token, mac = value.rsplit(".", 1)
    good = hmac.new(_key(), token.encode("utf-8"), hashlib.sha256).hexdigest()
    return token if hmac.compare_digest(mac, good) else None


def handoff(token: str) -> str:
    """A one-time code the browser trades for the cookie (the token never reaches JS)."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for k in [k for k, (_, t) in _pending.items() if t < now]:
            del _pending[k]
        _pending[code] = (token, now + CODE_SECONDS)
    return code


def redeem(code: str) -> str | None:
    with _lock:
        item = _pending.pop(code, None)
    if item is None or item[1] < time.monotonic():
        return None
    return item[0]


def set_cookie_script(code: str) -> str:
    """The snippet the script renders once after log-in: trade the code for the cookie."""
    return (
        "<script>fetch('" + SESSION_PATH + "', {method: 'POST', credentials: 'same-origin', "
        "headers: {'Content-Type': 'application/json', 'X-Qualkit': '1'}, "
        "body: JSON.stringify({code: '" + code + "'})});</script>"
    )


def clear_cookie_script() -> str:
    return (
        "<script>fetch('" + LOGOUT_PATH + "', {method: 'POST', credentials: 'same-origin', "
        "headers: {'X-Qualkit': '1'}});</script>"
    )


def _cookie_header(value: str, max_age: int, secure: bool) -> str:
    parts = [f"{COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Strict", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def routes() -> list[Any]:
    """Starlette routes for ``st.App`` (imported only by the server entry)."""
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def session(request: Request) -> Response:
        if request.headers.get("x-qualkit") != "1":
            return Response(status_code=403)
        try:
            body = await request.json()
            code = str(body.get("code", ""))
        except Exception:
            return Response(status_code=400)
        token = redeem(code)
        if token is None:
            return Response(status_code=403)
        resp = Response(status_code=204)
        secure = request.url.scheme == "https"
        resp.headers["set-cookie"] = _cookie_header(sign(token), COOKIE_DAYS * 86400, secure)
        resp.headers["cache-control"] = "no-store"
        return resp

    async def logout(request: Request) -> Response:
        if request.headers.get("x-qualkit") != "1":
            return Response(status_code=403)
        token = unsign(request.cookies.get(COOKIE))
        if token:
            from qualkit.services import auth

            auth.log_out(_database(), token)
        resp = Response(status_code=204)
        resp.headers["set-cookie"] = _cookie_header("", 0, request.url.scheme == "https")
        return resp

    return [
        Route(SESSION_PATH, session, methods=["POST"]),
        Route(LOGOUT_PATH, logout, methods=["POST"]),
    ]
