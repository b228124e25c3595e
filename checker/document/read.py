"""Read the document once per run: a local file, or a file on GitHub through the contents API.

Whatever happens, the answer is a :class:`DocumentRead`: the parsed page, or the reason it could
not be read this time (the checks then keep their live verdicts, except that ``ok`` becomes
``error``). A page that is not UTF-8 or larger than 2 MB is unreadable, with that reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from checker.document.markdown import Document
from checker.engine.config import DocumentSource
from checker.engine.model import utcnow
from checker.engine.settings import Settings

MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class DocumentRead:
    source: str
    read_at: datetime
    document: Document | None = None
    sha256: str | None = None
    error: str = ""


class Unreadable(Exception):
    """Why the document could not be read this time."""


def _fetch(source: DocumentSource, settings: Settings, env: Mapping[str, str]) -> bytes:
    if source.blob is not None:
        from checker.net.github_contents import ContentsError, read_file

        try:
            return read_file(
                settings.endpoints.github_api,
                source.blob,
                env,
                timeout=settings.timeout,
                max_bytes=MAX_BYTES,
            )
        except ContentsError as exc:
            raise Unreadable(str(exc)) from None
    assert source.path is not None
    try:
        with source.path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise Unreadable(f"{source.path}: {exc.strerror or exc}") from None


def read_document(
    source: DocumentSource, settings: Settings, env: Mapping[str, str]
) -> DocumentRead:
    read_at = utcnow()
    where = source.describe()
    try:
        data = _fetch(source, settings, env)
    except Unreadable as exc:
        return DocumentRead(where, read_at, error=str(exc))
    if len(data) > MAX_BYTES:
        return DocumentRead(where, read_at, error=f"{where}: larger than {MAX_BYTES} bytes")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return DocumentRead(
            where, read_at, sha256=sha256, error=f"{where}: not UTF-8 (byte {exc.start})"
        )
    return DocumentRead(
        where, read_at, document=Document(text.removeprefix("\ufeff")), sha256=sha256
    )
