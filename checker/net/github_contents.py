"""Read one file through GitHub's contents API (github.com, GitHub Enterprise, or a test world).

``GET {api}/repos/{owner}/{repo}/contents/{path}?ref={ref}`` with the raw media type
(``application/vnd.github.raw+json``) answers the file's bytes, whatever its size up to 100 MB;
a server that answers the JSON object instead (``content`` in base64, ``encoding``) is read too,
and its ``encoding: "none"`` (a file over 1 MB sent without content) is said plainly. 404 is
GitHub's answer for a private repository the token cannot see as well as a missing file.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import quote

from checker.engine.model import CheckError
from checker.engine.settings import BlobUrl
from checker.net.github_client import token_from
from checker.net.http import USER_AGENT, HttpClient

RAW = "application/vnd.github.raw+json"
API_VERSION = "2022-11-28"


class ContentsError(Exception):
    """The file could not be read this time; the message says why (never the token)."""


def _github_message(body: object) -> str:
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f": {body['message'][:200]}"
    return ""


def read_file(
    api: str, blob: BlobUrl, env: Mapping[str, str], *, timeout: float, max_bytes: int
) -> bytes:
    url = (
        f"{api.rstrip('/')}/repos/{quote(blob.owner, safe='')}/{quote(blob.repo, safe='')}"
        f"/contents/{quote(blob.path)}"
    )
    headers = {"Accept": RAW, "X-GitHub-Api-Version": API_VERSION}
    token = token_from(env)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    client = HttpClient(user_agent=USER_AGENT, max_bytes=max_bytes, pool_size=1)
    try:
        response = client.get(url, timeout=timeout, headers=headers, params={"ref": blob.ref})
    except CheckError as exc:
        raise ContentsError(exc.message) from None
    where = f"{blob.owner}/{blob.repo} {blob.path} at {blob.ref}"
    if response.status != 200:
        try:
            detail = _github_message(response.json())
        except CheckError:
            detail = ""
        hints = {
            401: "the token was rejected",
            403: "forbidden or rate limited",
            404: "not found (a private repository also needs a token that can read it)",
        }
        what = hints.get(response.status, "unexpected answer")
        raise ContentsError(f"{url}: HTTP {response.status}, {what}{detail} ({where})")
    content_type = response.headers.get("content-type", "")
    if "json" in content_type and "raw" not in content_type:
        return _from_object(response.json(), url)
    return response.body


def _from_object(data: object, url: str) -> bytes:
    if isinstance(data, list):
        raise ContentsError(f"{url}: is a directory, not a file")
    if not isinstance(data, dict) or "encoding" not in data:
        raise ContentsError(f"{url}: answered JSON that is not a file's contents")
    if data.get("type") not in (None, "file"):
        raise ContentsError(f"{url}: is a {data.get('type')}, not a file")
    if data["encoding"] == "none":
        raise ContentsError(
            f"{url}: the file is larger than 1 MB and came without its content "
            "(GitHub sends such files only with the raw media type)"
        )
    if data["encoding"] != "base64" or not isinstance(data.get("content"), str):
        raise ContentsError(f"{url}: unknown content encoding {str(data['encoding'])[:40]!r}")
    try:
        return base64.b64decode(data["content"], validate=False)
    except (binascii.Error, ValueError):
        raise ContentsError(f"{url}: the base64 content does not decode") from None
