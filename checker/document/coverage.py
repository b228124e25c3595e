"""Every checkable mention of the document that no check covers, with a ready ``[[check]]``.

A mention is a link to a GitHub, quay.io or Docker Hub organisation or repository, a domain
name (in a link or a code span), an email address, a Google Cloud project name in a code span
(in a paragraph that speaks of Google Cloud), or a section heading no bound check verifies. A
check covers a mention when one of its parameters names the same thing (case-insensitively) and
its family checks that kind of thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from checker.document.markdown import Block, Document
from checker.engine.config import CheckConfig, parse_config
from checker.engine.model import Uncovered
from checker.errors import UserError
from checker.outputs.escape import strip_controls, terminal_safe
from checker.outputs.json_report import dumps

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
# Code spans that look like domain names but name files.
FILE_SUFFIXES = ("md", "py", "toml", "yml", "yaml", "json", "txt", "sh", "cfg", "ini", "lock")
GITHUB_NOT_ACCOUNTS = frozenset(
    {"about", "features", "marketplace", "pricing", "settings", "sponsors", "topics", "search"}
)
# Which check families can verify each kind of mention.
FAMILIES = {
    "github-organization": ("github",),
    "github-repository": ("github",),
    "quay-organization": ("quay",),
    "quay-repository": ("quay",),
    "dockerhub-organization": ("dockerhub",),
    "dockerhub-repository": ("dockerhub",),
    "domain": ("whois", "dns", "http"),
    "email": ("whois",),
    "gcp-project": ("gcp",),
}


@dataclass(frozen=True)
class Mention:
    kind: str
    value: str
    anchor: str
    sentence: str
    href: str = ""


def _sentence(block: Block, *needles: str) -> str:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", block.text) if s.strip()]
    for needle in needles:
        for sentence in sentences:
            if needle and needle.casefold() in sentence.casefold():
                return sentence
    return block.text


def _from_link(href: str) -> tuple[str, str] | None:
    if href.startswith("mailto:"):
        return "email", href.removeprefix("mailto:").split("?")[0]
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    path = [p for p in parts.path.split("/") if p]
    if host == "github.com" and path and path[0] not in GITHUB_NOT_ACCOUNTS:
        if path[0] == "orgs" and len(path) > 1:
            return "github-organization", path[1]
        if len(path) == 1:
            return "github-organization", path[0]
        return "github-repository", f"{path[0]}/{path[1]}"
    if host == "quay.io" and path:
        if path[0] in ("organization", "user") and len(path) > 1:
            return "quay-organization", path[1]
        if path[0] == "repository" and len(path) > 2:
            return "quay-repository", f"{path[1]}/{path[2]}"
        if len(path) > 1:
            return "quay-repository", f"{path[0]}/{path[1]}"
    if host == "hub.docker.com" and len(path) > 1:
        if path[0] in ("u", "orgs", "repositories"):
            return "dockerhub-organization", path[1]
        if path[0] == "_":
            return "dockerhub-repository", f"library/{path[1]}"
        if path[0] == "r" and len(path) > 2:
            return "dockerhub-repository", f"{path[1]}/{path[2]}"
    return "domain", host


def _is_domain(text: str) -> bool:
    text = text.lower().rstrip(".")
    return bool(DOMAIN.match(text)) and text.rsplit(".", 1)[-1] not in FILE_SUFFIXES


def mentions(document: Document) -> Iterator[Mention]:
    owners = [("", b) for b in document.preamble] + [
        (h.anchor, b) for h in document.headings for b in h.blocks[1:]
    ]
    for anchor, block in owners:
        for link in block.links:
            found = _from_link(link.href)
            if found:
                yield Mention(*found, anchor, _sentence(block, link.text), link.href)
        speaks_of_gcp = re.search(r"google cloud|\bgcp\b", block.text, re.IGNORECASE)
        for code in block.code:
            value = code.strip()
            if EMAIL.fullmatch(value):
                continue  # found below, with the other addresses
            if _is_domain(value):
                yield Mention("domain", value.lower().rstrip("."), anchor, _sentence(block, value))
            elif speaks_of_gcp and PROJECT.match(value):
                yield Mention("gcp-project", value, anchor, _sentence(block, value))
        for email in EMAIL.findall(block.text):
            yield Mention("email", email, anchor, _sentence(block, email))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value.casefold()
        host = urlsplit(value).hostname
        if host:
            yield host.casefold().removeprefix("www.")
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def covers(check: CheckConfig, mention: Mention) -> bool:
    if check.type.split(".")[0] not in FAMILIES[mention.kind]:
        return False
    return mention.value.casefold() in set(_strings(check.params.model_dump(mode="json")))


def _bound_headings(document: Document, checks: Sequence[CheckConfig]) -> set[str]:
    """Anchors of headings whose section holds the section of a bound check."""
    covered: set[str] = set()
    sections = list(document.sections())
    for check in checks:
        if not check.quote:
            continue
        target = document.section(check.anchor)
        if target is None:
            continue
        covered.update(
            s.anchor
            for s in sections
            if s.lines[0] <= target.lines[0] <= target.lines[1] <= s.lines[1]
        )
    return covered


def _ignored(ignore: Sequence[str], *values: str) -> bool:
    wanted = {v.casefold() for v in ignore}
    return any(v.casefold() in wanted for v in values if v)


def _toml(value: str) -> str:
    """A TOML basic string of outside text that parses back to its visible text and is inert
    in a terminal and a CI log: control and bidi characters (which a reader does not see)
    removed, and the safe JSON writer's escapes, which are TOML's too (``\\u0023`` for the
    ``#`` of a legacy workflow command ``##[``, ``\\u2028``...)."""
    return dumps(strip_controls(value), indent=None)


def _comment(text: str) -> str:
    """A TOML comment line of our words and outside text: one line, inert."""
    return f"# {terminal_safe(text)}\n"


def _valid(suggestion: str) -> bool:
    """Whether ``validate`` would accept the suggestion (a mention may not fit its check type,
    e.g. a GitHub link whose first segment is no valid login)."""
    try:
        parse_config(suggestion, Path("suggestion.toml"), {}, document="document.md")
    except UserError:
        return False
    return True


def _suggestion(mention: Mention, ident: str) -> str:
    doc = f"#{mention.anchor}" if mention.anchor else ""
    params: dict[str, str] = {
        "github-organization": f'type = "github.organization"\norg = {_toml(mention.value)}',
        "github-repository": f'type = "github.repository"\nrepository = {_toml(mention.value)}',
        "quay-organization": f'type = "quay.organization"\norganization = {_toml(mention.value)}',
        "quay-repository": f'type = "quay.repository"\nrepository = {_toml(mention.value)}',
        "dockerhub-organization": 'type = "dockerhub.organization"\n'
        f"organization = {_toml(mention.value)}",
        "dockerhub-repository": 'type = "dockerhub.repository"\n'
        f"repository = {_toml(mention.value)}",
        "email": 'type = "whois.contact"\n'
        f"domain = {_toml(mention.value.rsplit('@', 1)[-1])}\nemail = [{_toml(mention.value)}]",
        "gcp-project": f'type = "gcp.project"\ndisplay_name = {_toml(mention.value)}',
    }
    if mention.kind == "domain":
        body = (
            f'type = "http.status"\nurl = {_toml(mention.href)}'
            if mention.href
            else f'type = "dns.record"\nname = {_toml(mention.value)}\nrdtype = "A"'
        )
    else:
        body = params[mention.kind]
    lines = ["[[check]]", f"id = {_toml(ident)}", body]
    lines.append(f"description = {_toml(mention.sentence[:200])}")
    if doc:
        lines += [f"doc = {_toml(doc)}", f"quote = {_toml(mention.sentence)}"]
    return "\n".join(lines) + "\n"


def _ident(mention: Mention, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", f"{mention.kind}-{mention.value}".lower()).strip("-")
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    taken.add(ident)
    return ident


def uncovered(
    document: Document,
    checks: Sequence[CheckConfig],
    ignore: Sequence[str] = (),
    taken_ids: Sequence[str] = (),
) -> tuple[Uncovered, ...]:
    taken = {c.id for c in checks} | set(taken_ids)
    found: list[Uncovered] = []
    seen: set[tuple[str, str]] = set()
    for mention in mentions(document):
        key = (mention.kind, mention.value.casefold())
        if key in seen or _ignored(ignore, mention.value, mention.href):
            continue
        seen.add(key)
        if any(covers(check, mention) for check in checks):
            continue
        suggestion = _suggestion(mention, _ident(mention, taken))
        if not _valid(suggestion):
            suggestion = _comment(
                f"{mention.kind} {_toml(mention.value)} in #{mention.anchor}: no check type "
                "accepts it as written; check it by hand or list it in [document] ignore."
            )
        found.append(Uncovered(mention.kind, mention.value, mention.anchor, suggestion))
    bound = _bound_headings(document, checks)
    for heading in document.headings:
        if heading.anchor in bound or _ignored(ignore, heading.title, f"#{heading.anchor}"):
            continue
        suggestion = _comment(
            f"No check verifies section #{heading.anchor} ({heading.title}): add a [[check]] "
            f'with doc = "#{heading.anchor}" and a quote, or list "#{heading.anchor}" in '
            "[document] ignore."
        )
        found.append(Uncovered("heading", heading.title, heading.anchor, suggestion))
    return tuple(found)
