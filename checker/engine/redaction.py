"""The secrets this process knows, and the one function that hides them: :func:`redact`.

A token must never reach a log, report, file or issue, even when a service echoes it back (some
put the request's ``Authorization`` header in their error body). Whoever holds a secret registers
it here: the CLI registers the tokens in its environment, the network clients every credential
they send (a token given to PyGithub, an ``Authorization`` header, an access token obtained from
Google). The runner redacts every result as it is made and every writer redacts what it writes,
*before* escaping it, so an escaped form (``ghp\\_...``) cannot slip past.

The registry lives in ``engine`` because every layer may import ``engine`` and none other: the
net clients register, the runner and the outputs read. It is process-wide on purpose, like the
runner's own mask list: a secret seen once stays a secret for the rest of the run.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

MASK = "***"
# The tokens infra-checker may be given (GitHub, quay.io). The runner masks repository secrets
# itself, but a token handed over from another step's output is not one of them.
SECRET_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN", "QUAY_TOKEN")
# Shorter values would mask ordinary words ("main", "ok"); no real credential is that short.
MIN_LENGTH = 6

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _forms(value: str) -> set[str]:
    """The value and the encodings a service may echo it in (URL-encoded, JSON-escaped)."""
    return {value, quote(value, safe=""), json.dumps(value)[1:-1]}


def register_secret(value: str | None) -> None:
    """Treat ``value`` as a secret from now on (blank or very short values are ignored)."""
    value = (value or "").strip()
    if len(value) < MIN_LENGTH:
        return
    global _pattern
    with _lock:
        new = _forms(value) - _secrets
        if new:
            _secrets.update(new)
            _pattern = None


def register_authorization(header: str | None) -> None:
    """An ``Authorization`` value sent: the whole value, its credential, and for ``Basic``
    the password inside it."""
    header = (header or "").strip()
    register_secret(header)
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    register_secret(credential)
    if scheme.lower() == "basic" and credential:
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return
        register_secret(decoded.partition(":")[2])


def register_headers(headers: Mapping[str, str] | None) -> None:
    for name, value in (headers or {}).items():
        if name.lower() in ("authorization", "proxy-authorization"):
            register_authorization(value)


def register_environment(env: Mapping[str, str]) -> None:
    for name in SECRET_VARIABLES:
        register_secret(env.get(name))


def environment_secrets(env: Mapping[str, str]) -> Iterable[str]:
    """The secret values in ``env`` (for the runner's ``add-mask``)."""
    for name in SECRET_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            yield value


def _compiled() -> re.Pattern[str] | None:
    global _pattern
    with _lock:
        if _pattern is None and _secrets:
            # Longest first, so a whole "Bearer <token>" goes before the token inside it.
            alternatives = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in alternatives))
        return _pattern


def redact(text: str) -> str:
    """``text`` with every known secret replaced by ``***``."""
    pattern = _compiled()
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def redact_value(value: Any) -> Any:
    """A JSON-like value (strings, lists, dicts) with every known secret redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_value(item) for item in value)
    if isinstance(value, Mapping):
        return {redact_value(key): redact_value(item) for key, item in value.items()}
    return value
