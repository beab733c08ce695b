"""A small, real OpenID Connect provider for the single sign-on tests (authorization-code flow).

It serves discovery, authorize, token and JWKS on 127.0.0.1 and signs ID tokens with RS256,
so Streamlit's ``st.login`` (Authlib) runs its whole flow against it: redirect, state,
nonce, client authentication, signature and claims checks. The person who "signs in" is
whoever ``identity`` names at the time (no log-in form: the provider vouches at once).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "qualkit-test"
CLIENT_SECRET = secrets.token_urlsafe(24)


@dataclass
class Provider:
    issuer: str
    identity: dict[str, object] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens_issued: int = 0

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def _handler(provider: Provider, key: RSAKey) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _json(self, data: dict, status: int = 200) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "jwks_uri": f"{provider.issuer}/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "token_endpoint_auth_methods_supported": [
                            "client_secret_basic",
                            "client_secret_post",
                        ],
                        "scopes_supported": ["openid", "profile", "email"],
                    }
                )
            elif url.path == "/jwks":
                self._json({"keys": [key.as_dict(private=False)]})
            elif url.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
                    self._json({"error": "invalid_request"}, 400)
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = {"nonce": q.get("nonce", ""), "uri": q["redirect_uri"]}
                back = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
                self.send_response(302)
                self.send_header("Location", back)
                self.end_headers()
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            if urlparse(self.path).path != "/token":
                self._json({"error": "not_found"}, 404)
                return
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            client = (form.get("client_id"), form.get("client_secret"))
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                client = tuple(base64.b64decode(basic[6:]).decode().split(":", 1))  # type: ignore[assignment]
            if client != (CLIENT_ID, CLIENT_SECRET):
                self._json({"error": "invalid_client"}, 401)
                return
            grant = provider.codes.pop(form.get("code", ""), None)
            if grant is None or grant["uri"] != form.get("redirect_uri"):
                self._json({"error": "invalid_grant"}, 400)
                return
            now = int(time.time())
            claims = {
                "iss": provider.issuer,
                "aud": CLIENT_ID,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                "sub": str(provider.identity.get("email", "nobody")),
                **provider.identity,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
            provider.tokens_issued += 1
            self._json(
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": id_token,
                }
            )

    return Handler


@contextmanager
def oidc_provider() -> Iterator[Provider]:
    key = RSAKey.generate_key(2048, parameters={"kid": "qualkit-test", "use": "sig"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    provider = Provider(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(provider, key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
