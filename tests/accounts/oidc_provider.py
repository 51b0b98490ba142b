"""A small, real OpenID Connect provider for the tests: an HTTP server on a thread of its own that
does the authorisation code flow the way a council's provider (Microsoft Entra ID and the like)
does. mozilla-django-oidc talks to it over HTTP, exactly as it would to the real one.

- GET /authorize: "signs in" whoever the test said (`provider.sign_in_as`) and sends the browser
  back to redirect_uri with a one-time code and the state it was given.
- POST /token: swaps the code (checking the client's id and secret, the redirect_uri and the PKCE
  verifier) for an access token and an RS256-signed id_token carrying the nonce.
- GET /userinfo: the signed-in person's claims, for the access token.
- GET /jwks: the public key the id_token is signed with.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class OIDCProvider:
    def __init__(self, *, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.sign_in_as: dict = {}  # the claims of whoever signs in next: {"sub": ..., "email": ...}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests = 0
        self.audience: str | None = None  # None: the client's id, as a real provider does
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "OIDCProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def settings(self) -> dict:
        """The OIDC_* settings that point Continuum at this provider."""
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_RP_SIGN_ALGO": "RS256",
        }

    # --- the endpoints --------------------------------------------------------------------------

    def authorize(self, query: dict) -> tuple[int, dict, bytes]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}, b"unknown client or response type"
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "claims": dict(self.sign_in_as),
            "nonce": query.get("nonce"),
            "redirect_uri": query["redirect_uri"],
            "code_challenge": query.get("code_challenge"),
            "code_challenge_method": query.get("code_challenge_method"),
        }
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": location}, b""

    def token(self, form: dict) -> tuple[int, dict, bytes]:
        self.token_requests += 1
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("redirect_uri") != grant["redirect_uri"]
            or not self._pkce_ok(grant, form.get("code_verifier"))
        ):
            return 400, {"Content-Type": "application/json"}, b'{"error": "invalid_grant"}'
        now = int(time.time())
        claims = grant["claims"]
        id_token = jwt.encode(
            {
                "iss": self.url,
                "aud": self.audience or self.client_id,
                "sub": claims["sub"],
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
                **{key: value for key, value in claims.items() if key != "sub"},
            },
            self.key,
            algorithm="RS256",
            headers={"kid": self.kid},
        )
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = claims
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def userinfo(self, authorization: str) -> tuple[int, dict, bytes]:
        claims = self.access_tokens.get(authorization.removeprefix("Bearer "))
        if claims is None:
            return 401, {}, b""
        return 200, {"Content-Type": "application/json"}, json.dumps(claims).encode()

    def jwks(self) -> tuple[int, dict, bytes]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True) | {
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
        }
        return 200, {"Content-Type": "application/json"}, json.dumps({"keys": [jwk]}).encode()

    @staticmethod
    def _pkce_ok(grant: dict, verifier: str | None) -> bool:
        if grant["code_challenge"] is None:
            return True
        if verifier is None or grant["code_challenge_method"] != "S256":
            return False
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant["code_challenge"]

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlparse(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    self._answer(*provider.authorize(query))
                elif url.path == "/userinfo":
                    self._answer(*provider.userinfo(self.headers.get("Authorization", "")))
                elif url.path == "/jwks":
                    self._answer(*provider.jwks())
                else:
                    self._answer(404, {}, b"")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                if urlparse(self.path).path == "/token":
                    self._answer(*provider.token(form))
                else:
                    self._answer(404, {}, b"")

            def _answer(self, status: int, headers: dict, body: bytes):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):  # quiet: the test's output is the test's
                pass

        return Handler
