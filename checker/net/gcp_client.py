"""Google Cloud Resource Manager v3 for the ``gcp`` checks: credentials, client, failures.

Credentials follow Application Default Credentials' order, but read the check's environment
(``ctx.env``), not the process's, so what a run sees is what it was given: the file named by
``GOOGLE_APPLICATION_CREDENTIALS`` (google-github-actions/auth writes one, workload identity
federation included), gcloud's ADC file, then the GCE metadata server (skipped with
``NO_GCE_CHECK=true``). With none of them the check is ``unverifiable`` — unless an endpoint
override is set (an emulator, the loopback world), which is then asked anonymously.

The client uses the REST transport (an ``http://`` endpoint is honoured as given), passes every
call a timeout and no retry (the runner retries), and reads bodies through the same cap and
deadline as every other HTTP call. ``google`` is imported only here, inside functions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from checker.engine.model import CheckError, Evidence, Unverifiable
from checker.engine.redaction import register_secret
from checker.engine.sharing import RequestKey
from checker.net.http import http_client, parse_retry_after, read_body, short_reason

if TYPE_CHECKING:
    import requests

    from checker.engine.context import CheckContext

T = TypeVar("T")

DEFAULT_HOST = "cloudresourcemanager.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform.read-only",)
METADATA_IP = "169.254.169.254"
# What Application Default Credentials read from the environment, here from ``ctx.env``.
ENVIRONMENT = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_CONFIG",
    "NO_GCE_CHECK",
    "GCE_METADATA_HOST",
    "GCE_METADATA_IP",
)
HOW_TO = (
    "configure Application Default Credentials: in GitHub Actions, run "
    "google-github-actions/auth (workload identity federation) before infra-checker, which "
    "sets GOOGLE_APPLICATION_CREDENTIALS; locally, run `gcloud auth application-default login`"
)
AMBIGUOUS_403 = (
    "permission denied or the project does not exist: Cloud Resource Manager answers 403 for "
    "both, so this cannot be told apart from here; grant the checker's identity "
    "resourcemanager.projects.get (e.g. roles/browser) on the project"
)

AMBIGUOUS_SEARCH = (
    "projects.search lists only projects the caller has resourcemanager.projects.get on, so "
    "a project that does not exist and one this identity may not see look the same; grant it "
    "resourcemanager.projects.get (e.g. roles/browser), or name the project by project_id"
)


@dataclass(frozen=True)
class FoundCredentials:
    credentials: Any
    source: str


def _gcloud_adc_file(env: Mapping[str, str]) -> Path | None:
    """Where ``gcloud auth application-default login`` writes its file."""
    if env.get("CLOUDSDK_CONFIG"):
        config = Path(env["CLOUDSDK_CONFIG"])
    elif env.get("APPDATA"):  # Windows
        config = Path(env["APPDATA"]) / "gcloud"
    elif env.get("HOME"):
        config = Path(env["HOME"]) / ".config" / "gcloud"
    else:
        return None
    return config / "application_default_credentials.json"


def _from_info(info: dict[str, Any]) -> Any:
    """Credentials of the file's ``type``, each with its own loader (google-auth deprecates
    the catch-all one: a type must be expected, not whatever a file says)."""
    kind = info.get("type")
    if kind == "external_account":  # workload identity federation (google-github-actions/auth)
        source = info.get("credential_source") or {}
        if "environment_id" in source:
            from google.auth import aws

            return aws.Credentials.from_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
        if "executable" in source:
            from google.auth import pluggable

            return pluggable.Credentials.from_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
        from google.auth import identity_pool

        return identity_pool.Credentials.from_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
    if kind == "service_account":
        from google.oauth2 import service_account

        return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
    if kind == "authorized_user":
        from google.oauth2 import credentials

        return credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
    if kind == "impersonated_service_account":
        from google.auth import impersonated_credentials

        loader = impersonated_credentials.Credentials.from_impersonated_service_account_info
        return loader(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
    if kind == "external_account_authorized_user":
        from google.auth import external_account_authorized_user

        return external_account_authorized_user.Credentials.from_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
    raise ValueError(f"unsupported credentials type {kind!r}")


def _load_file(path: Path, source: str) -> FoundCredentials:
    from google.auth.exceptions import GoogleAuthError

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
        credentials = _from_info(info)
    except (OSError, ValueError, KeyError, TypeError, GoogleAuthError) as exc:
        raise Unverifiable(
            f"the credentials in {source} ({path}) cannot be used: {exc}; {HOW_TO}"
        ) from None
    return FoundCredentials(credentials, f"{source} ({path})")


def _on_gce(ctx: CheckContext) -> bool:
    """The metadata server answers with ``Metadata-Flavor: Google`` (a quick probe, as
    google-auth does; another cloud's metadata service or nothing at all means no). Probed once
    per run."""
    if ctx.env.get("NO_GCE_CHECK", "").strip().lower() in ("true", "1", "yes"):
        return False
    host = ctx.env.get("GCE_METADATA_IP") or ctx.env.get("GCE_METADATA_HOST") or METADATA_IP

    def probe() -> bool:
        try:
            response = http_client(ctx).get(
                f"http://{host}/",
                timeout=min(1.0, ctx.call_timeout()),
                headers={"Metadata-Flavor": "Google"},
                accept_statuses=range(100, 600),
            )
        except Exception:  # any failure to reach it (refused, unroutable, blocked) means "no"
            return False
        return response.headers.get("metadata-flavor") == "Google"

    return ctx.services.shared(f"gcp.on_gce:{host}", probe, deadline=ctx.deadline)


def find_credentials(ctx: CheckContext) -> FoundCredentials:
    """Application Default Credentials from ``ctx.env``, or Unverifiable saying how to get them."""
    named = ctx.env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if named:
        if not Path(named).is_file():
            raise Unverifiable(
                f"GOOGLE_APPLICATION_CREDENTIALS names {named}, which is not a file; {HOW_TO}"
            )
        return _load_file(Path(named), "GOOGLE_APPLICATION_CREDENTIALS")
    well_known = _gcloud_adc_file(ctx.env)
    if well_known is not None and well_known.is_file():
        return _load_file(well_known, "gcloud's application default credentials")
    if _on_gce(ctx):
        from google.auth import compute_engine

        return FoundCredentials(
            compute_engine.Credentials(),  # type: ignore[no-untyped-call]
            "the GCE metadata server",
        )
    if ctx.settings.endpoints.gcp:
        from google.auth.credentials import AnonymousCredentials

        return FoundCredentials(
            AnonymousCredentials(),  # type: ignore[no-untyped-call]
            "anonymous (endpoint override)",
        )
    raise Unverifiable(f"no Google Cloud credentials were found; {HOW_TO}")


def _share_http_rules(session: requests.Session, user_agent: str, max_bytes: int) -> None:
    """Identify as infra-checker and read every response body through the shared cap and
    deadline (a response hook runs before requests reads the body itself)."""
    session.headers["User-Agent"] = user_agent

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        timeout = kwargs.get("timeout")
        if isinstance(timeout, tuple):
            timeout = timeout[-1]
        budget = float(timeout) if isinstance(timeout, (int, float)) else 30.0
        response._content = read_body(response, response.url, max_bytes=max_bytes, timeout=budget)
        response._content_consumed = True  # type: ignore[attr-defined]
        return response

    session.hooks["response"].append(hook)


@dataclass(frozen=True)
class _Client:
    api: Any  # resourcemanager_v3.ProjectsClient
    found: FoundCredentials
    auth_session: requests.Session
    refreshing: threading.Lock


class _InTime:
    """google-auth's transport ``Request`` for one token refresh, held to the check's deadline.

    Left to itself, a refresh (a token exchange, an impersonation, a metadata call) runs with
    google-auth's own timeouts (120 s by default), its urllib3 retries and its backoff sleeps.
    Here every HTTP call of it gets at most what is left before the deadline, none starts after
    it, and a failure, a 429 or a 5xx ends the refresh at once: the runner retries, with its
    backoff.
    """

    def __init__(self, inner: Any, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def __getattr__(self, name: str) -> Any:
        # google-auth looks at the Request's ``session`` (to mount the metadata server's mTLS).
        return getattr(self._inner, name)

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        from google.auth.exceptions import TransportError

        # CheckError, not google-auth's TransportError: its metadata-server client retries a
        # TransportError five times with growing sleeps, far past the deadline.
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise CheckError(f"Google token service: no time left before the deadline to ask {url}")
        if isinstance(timeout, (int, float)):
            left = min(left, float(timeout))
        try:
            response = self._inner(
                url, method=method, body=body, headers=headers, timeout=left, **kwargs
            )
        except TransportError as exc:
            raise CheckError(f"Google token service: asking {url} failed: {exc}") from None
        if response.status == 429 or response.status >= 500:
            raise CheckError(f"Google token service: {url} answered HTTP {response.status}")
        return response


def _refresh_in_time(ctx: CheckContext, client: _Client) -> None:
    """Get an access token before the API call, when the credentials need one, within this
    check's deadline (the API call then finds a valid token and does not refresh itself)."""
    from google.auth.transport.requests import Request

    credentials = client.found.credentials
    if credentials.valid:
        return
    if not client.refreshing.acquire(timeout=max(0.0, ctx.remaining())):
        raise CheckError("timed out waiting for another check to get a Google access token")
    try:
        if credentials.valid:  # another check got one meanwhile
            return
        request = _InTime(Request(client.auth_session), ctx.deadline)
        call(
            f"getting an access token for {client.found.source}",
            lambda: credentials.refresh(request),
        )
    finally:
        client.refreshing.release()


def projects_client(ctx: CheckContext) -> Any:
    """One ``ProjectsClient`` per run (credentials are looked up once per run), with a valid
    access token got within this check's deadline."""

    def build() -> _Client:
        import requests
        from google.api_core.gapic_v1.client_info import ClientInfo
        from google.cloud import resourcemanager_v3
        from google.cloud.resourcemanager_v3.services.projects.transports.rest import (
            ProjectsRestTransport,
        )
        from requests.adapters import HTTPAdapter

        found = find_credentials(ctx)
        http = http_client(ctx)
        transport = ProjectsRestTransport(
            host=ctx.settings.endpoints.gcp or DEFAULT_HOST,
            credentials=found.credentials,
            client_info=ClientInfo(user_agent=http.user_agent),  # type: ignore[no-untyped-call]
        )
        session = getattr(transport, "_session", None)  # an AuthorizedSession (requests)
        if session is not None and hasattr(session, "hooks"):
            _share_http_rules(session, http.user_agent, http.max_bytes)
        auth_session = requests.Session()
        for prefix in ("http://", "https://"):
            auth_session.mount(prefix, HTTPAdapter(max_retries=0))
        _share_http_rules(auth_session, http.user_agent, http.max_bytes)
        api = resourcemanager_v3.ProjectsClient(transport=transport)
        return _Client(api, found, auth_session, threading.Lock())

    client = ctx.services.shared("gcp.projects_client", build, deadline=ctx.deadline)
    _refresh_in_time(ctx, client)
    # Whatever a Google error later quotes, the access token we obtained stays out of it.
    register_secret(getattr(client.found.credentials, "token", None))
    return client.api


def projects_evidence(source: str, projects: list[Any]) -> Evidence:
    """The projects as Cloud Resource Manager's JSON, for auditors."""
    from google.cloud.resourcemanager_v3 import Project

    text = "\n".join(Project.to_json(p, use_integers_for_enums=False, indent=1) for p in projects)
    return Evidence(
        source=source, excerpt=text or "(no project)", raw=text, media_type="application/json"
    )


def api_endpoint(ctx: CheckContext) -> str:
    """The Cloud Resource Manager URL asked: the endpoint override, or Google's."""
    return ctx.settings.endpoints.gcp or f"https://{DEFAULT_HOST}"


def get_project(ctx: CheckContext, name: str, source: str) -> tuple[Any | None, Evidence]:
    """``projects.get``: the project and its evidence, or None with the 404's evidence."""
    from google.api_core.exceptions import NotFound

    client = projects_client(ctx)
    try:
        project = _once(
            ctx,
            f"/v3/{name}",
            lambda: call(
                source,
                lambda: client.get_project(name=name, timeout=ctx.call_timeout(), retry=None),
            ),
        )
    except NotFound as exc:
        return None, Evidence(source=f"{source} -> 404", excerpt=exc.message)
    return project, projects_evidence(source, [project])


def search_projects(ctx: CheckContext, query: str, source: str, *, limit: int) -> list[Any]:
    """``projects.search``: the first ``limit`` projects matching ``query``."""
    client = projects_client(ctx)

    def first_matches() -> list[Any]:
        pager = client.search_projects(query=query, timeout=ctx.call_timeout(), retry=None)
        found: list[Any] = []
        for project in pager:  # further pages are fetched lazily: stop at a sane number
            found.append(project)
            if len(found) >= limit:
                break
        return found

    return _once(ctx, f"/v3/projects:search?query={query}", lambda: call(source, first_matches))


def _once(ctx: CheckContext, path: str, fetch: Callable[[], T]) -> T:
    """One API call, asked once per run: a run finds one set of credentials, so the URL alone
    names the request."""
    endpoint = api_endpoint(ctx)
    key = RequestKey("HTTP", "GET", f"{endpoint}{path}")
    return ctx.once(key, urlsplit(endpoint).netloc or endpoint, fetch)


def call(what: str, fn: Callable[[], T]) -> T:
    """Run one API call; every failure but "not found" becomes CheckError with a clear reason.

    ``google.api_core.exceptions.NotFound`` is left to the caller: it is a fact, not a failure.
    """
    try:
        return fn()
    except (CheckError, Unverifiable):
        raise
    except Exception as exc:
        failure = _failure(what, exc)
        if failure is None:
            raise
        raise failure from None


def _configuration_refusal(exc: Any) -> str | None:
    """What a 403 says when it is about the setup, not the project: Google's ErrorInfo
    ``reason`` (or, without details, the message's wording) names a disabled API, a token
    without the scope, or a quota project that refuses the caller."""
    reason = exc.reason or ""
    metadata = exc.metadata or {}
    message = str(exc.message)
    if reason == "SERVICE_DISABLED" or "has not been used in project" in message:
        api_name = metadata.get("serviceTitle") or "the Cloud Resource Manager API"
        where = metadata.get("consumer") or "the project the credentials belong to"
        return (
            f"{api_name} is disabled in {where}; enable it there (the API is billed to the "
            "credentials' project, not to the project checked)"
        )
    if reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" or "insufficient authentication scopes" in (
        message.lower()
    ):
        return (
            "the access token lacks the OAuth scope this call needs; give the credentials the "
            f"{SCOPES[0]} (or cloud-platform) scope"
        )
    if reason == "USER_PROJECT_DENIED":
        return (
            "the quota project of these credentials refuses this identity "
            "(serviceusage.services.use); set a quota project it may use"
        )
    return None


def _failure(what: str, exc: Exception) -> CheckError | Unverifiable | None:
    """The exception one failed call stands for: CheckError when it may pass, Unverifiable when
    only a change of setup can help (None: not a failure, or not ours to explain)."""
    import requests
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth
    from google.protobuf.json_format import ParseError

    body = getattr(getattr(exc, "response", None), "text", None)
    evidence = (Evidence(source=what, excerpt=body if isinstance(body, str) else str(exc)),)

    def error(reason: str, retry_after: float | None = None) -> CheckError:
        return CheckError(f"{what}: {reason}", retry_after=retry_after, evidence=evidence)

    if isinstance(exc, api.NotFound):
        return None
    if isinstance(exc, api.Forbidden):  # REST's 403; gRPC's PermissionDenied is a subclass
        refusal = _configuration_refusal(exc)
        if refusal is not None:  # no retry can help until someone changes the setup
            return Unverifiable(f"{what}: {refusal} ({exc.message})", evidence=evidence)
        return error(f"{AMBIGUOUS_403} ({exc.message})")
    if isinstance(exc, api.Unauthorized):
        return error(f"the Google credentials were rejected ({exc.message})")
    if isinstance(exc, api.TooManyRequests):
        headers = getattr(exc.response, "headers", None) or {}
        wait = parse_retry_after({k.lower(): v for k, v in headers.items()})
        return error("rate limited (HTTP 429)", wait)
    if isinstance(exc, api.GoogleAPICallError):
        return error(f"HTTP {exc.code} {exc.message}")
    if isinstance(exc, api.GoogleAPIError):  # deadline exceeded, retry errors
        return error(str(exc))
    if isinstance(exc, auth.TransportError):
        return error(f"could not reach Google's token service ({exc})")
    if isinstance(exc, requests.Timeout):
        return error("timed out")
    if isinstance(exc, requests.RequestException):
        return error(f"connection failed ({short_reason(exc)})")
    if "cannot be refreshed" in str(exc):  # a 401 answered to anonymous credentials
        return error(f"the API wants credentials (HTTP 401); {HOW_TO}")
    if isinstance(exc, auth.GoogleAuthError):  # refresh or token exchange refused
        return error(f"could not get an access token ({exc})")
    if isinstance(exc, (ValueError, ParseError)):
        return error(f"the answer is not the JSON expected ({exc})")
    return None
