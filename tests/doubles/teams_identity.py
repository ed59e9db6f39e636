"""A local stand-in for Microsoft's token services, so that the Teams tests run with a real app id and
authentication on, offline.

Inbound (Bot Connector → bot): the connector signs each request with an RS256 JWT whose keys the bot reads from an
OpenID metadata document (https://login.botframework.com/v1/.well-known/openidconfiguration) and its JWKS; each key
lists the channels it may sign for (`endorsements`). `token(...)` mints such tokens here, and bad ones.

Outgoing (bot → Bot Connector): with an app id and password the adapter asks Entra ID for a client-credentials token
through MSAL (`MicrosoftAppCredentials`) and sends it as `Authorization: Bearer …`. This double serves that token
endpoint and the discovery document MSAL reads first; `authorized(header)` tells the connector double whether a
header carries a token it issued.

Pointing botbuilder 4.17 at it: the configuration object given to
`botbuilder.integration.aiohttp.ConfigurationBotFrameworkAuthentication(configuration)` takes these attribute names
(`configuration(app_id, password)` returns them):

- `APP_ID`, `APP_PASSWORD` (and `APP_TYPE`, MultiTenant by default): an empty `APP_ID` turns authentication off.
- `TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL`: where inbound tokens' keys come from. Setting it (or any of the names
  below) makes `BotFrameworkAuthenticationFactory` build `_ParameterizedBotFrameworkAuthentication`, which reads all
  of them and has no defaults, so all are given:
- `TO_BOT_FROM_CHANNEL_TOKEN_ISSUER` (https://api.botframework.com), `TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL`
  (only read for Emulator or skill tokens; pointed here too so nothing can reach the internet),
  `TO_CHANNEL_FROM_BOT_OAUTH_SCOPE` (https://api.botframework.com; MSAL asks for `…/.default`),
  `TO_CHANNEL_FROM_BOT_LOGIN_URL`: the MSAL authority, and `OAUTH_URL` (the user-token service, unused here).

Two properties of botbuilder shape this double:

- `JwtTokenExtractor` caches an `_OpenIdMetadata` per metadata URL for the whole process, keeps its keys for a day,
  and fetches them with synchronous `requests` from inside the event loop. So this server runs in its own thread
  (an aiohttp server on the test's loop would never answer), and each instance serves its metadata under a fresh
  random path, so that a key generated for one test is never hidden behind another test's cached key.
- MSAL accepts only an https authority, and for a host it does not know it first asks
  https://login.microsoftonline.com/common/discovery/instance ("instance discovery"); botbuilder passes MSAL neither
  `validate_authority` nor `instance_discovery`. MSAL skips that discovery for an authority whose tenant is `adfs`
  (an on-premises authority, "known to the developer"), so the login URL is https://127.0.0.1:PORT/adfs, served over
  TLS with a certificate made at start; `ca_bundle` is that certificate, for `REQUESTS_CA_BUNDLE` (read by both MSAL
  and botbuilder's `requests`). MSAL then reads {authority}/.well-known/openid-configuration and posts to its
  token endpoint.
"""

import datetime
import json
import secrets
import shutil
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK = "https://api.botframework.com"
# The Bot Framework's own Entra tenant: the issuer of the tokens a bot gets for the connector.
BOT_FRAMEWORK_TENANT_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
MALFORMED = "not-a-jwt"


class TeamsIdentity:
    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._unknown = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_urlsafe(12)
        self._prefix = secrets.token_urlsafe(8)
        self.passwords: dict[str, str] = {}  # app id → password the login endpoint accepts
        self.issued: set[str] = set()  # access tokens handed out by the login endpoint
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, for assertions
        self._folder = Path(tempfile.mkdtemp(prefix="teams-identity-"))
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/{self._prefix}/v1/.well-known/openidconfiguration"

    @property
    def login_url(self) -> str:
        return f"{self.url}/adfs"

    @property
    def ca_bundle(self) -> Path:
        return self._folder / "cert.pem"

    def start(self) -> None:
        self._write_certificate()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._folder / "cert.pem", self._folder / "key.pem")
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def configuration(self, app_id: str, password: str) -> dict[str, str]:
        """botbuilder's configuration names for an app that authenticates against this double."""
        self.passwords[app_id] = password
        return {
            "APP_ID": app_id,
            "APP_PASSWORD": password,
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": self.metadata_url,
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": self.metadata_url,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": BOT_FRAMEWORK,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": self.login_url,
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": BOT_FRAMEWORK,
            "OAUTH_URL": f"{self.url}/user-tokens",
        }

    def token(
        self,
        audience: str,
        service_url: str,
        *,
        expired: bool = False,
        issuer: str = BOT_FRAMEWORK,
        unknown_key: bool = False,
        kid: str | None = None,
    ) -> str:
        """A JWT as the Bot Connector signs its requests to a bot (sent as `Bearer …`); the keywords make it wrong.

        `unknown_key` signs with a key the JWKS does not list (under its own kid, or under `kid`: a forgery)."""
        now = int(time.time())
        # Past botbuilder's five minutes of clock tolerance.
        start = now - 7200 if expired else now - 60
        claims = {"serviceurl": service_url, "nbf": start, "exp": start + 3600, "iss": issuer, "aud": audience}
        key = self._unknown if unknown_key else self._key
        header_kid = kid or ("unknown-" + self.kid if unknown_key else self.kid)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": header_kid})

    def authorized(self, header: str | None) -> bool:
        """Whether an Authorization header carries an unexpired token this double issued for the Bot Connector."""
        token = (header or "").removeprefix("Bearer ")
        if token not in self.issued:
            return False
        try:
            jwt.decode(token, self._key.public_key(), algorithms=["RS256"], audience=BOT_FRAMEWORK)
        except jwt.PyJWTError:
            return False
        return True

    def _answer(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path))
        if method == "GET" and path == f"/{self._prefix}/v1/.well-known/openidconfiguration":
            return 200, {
                "issuer": BOT_FRAMEWORK,
                "jwks_uri": f"{self.url}/{self._prefix}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        if method == "GET" and path == f"/{self._prefix}/v1/.well-known/keys":
            public = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
            return 200, {"keys": [{**public, "use": "sig", "kid": self.kid, "endorsements": ["msteams"]}]}
        if method == "GET" and path == "/adfs/.well-known/openid-configuration":
            return 200, {
                "issuer": f"{self.url}/adfs",
                "authorization_endpoint": f"{self.url}/adfs/oauth2/authorize",
                "token_endpoint": f"{self.url}/adfs/oauth2/token",
            }
        if method == "POST" and path == "/adfs/oauth2/token":
            return self._client_credentials(form)
        return 404, {"error": "not_found"}

    def _client_credentials(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Entra ID's answer to a client-credentials grant for the Bot Framework's scope."""
        app_id = form.get("client_id", "")
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if not app_id or self.passwords.get(app_id) != form.get("client_secret"):
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."}
        if form.get("scope") != f"{BOT_FRAMEWORK}/.default":
            return 400, {"error": "invalid_scope", "error_description": f"AADSTS70011: {form.get('scope')}"}
        now = int(time.time())
        claims = {
            "aud": BOT_FRAMEWORK,
            "iss": BOT_FRAMEWORK_TENANT_ISSUER,
            "appid": app_id,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
            "ver": "1.0",
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
        self.issued.add(token)
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def _write_certificate(self) -> None:
        """A self-signed certificate for 127.0.0.1, the only one the tests' `requests` trust."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        (self._folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        (self._folder / "key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )


def _handler(identity: TeamsIdentity) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._reply("GET", {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._reply("POST", dict(parse_qsl(self.rfile.read(length).decode())))

        def _reply(self, method: str, form: dict[str, str]) -> None:
            status, body = identity._answer(method, self.path.split("?")[0], form)
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the tests read `identity.requests` instead of stderr."""

    return Handler
