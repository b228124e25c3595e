"""An emulation of the GitHub Actions runner's workflow-command parser, to judge what the tool
prints inside Actions the way the runner would.

Written from actions/runner's ``ActionCommand.TryParseV2`` (``::name props::data``, only at
the start of a line after leading whitespace), ``ActionCommand.TryParse`` (the legacy
``##[name props]data``, found *anywhere* in a line, first occurrence only) and
``ActionCommandManager.TryProcessCommand`` (``stop-commands`` pauses every command until the
token it was given comes back as a command of its own, in either syntax). Command names are
matched case-insensitively against the runner's registered commands. The runner reads output
with ``ReadLine``: CR, LF and CRLF all end a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGISTERED = frozenset(
    [
        "stop-commands",
        "set-env",
        "set-output",
        "save-state",
        "add-mask",
        "add-path",
        "add-matcher",
        "remove-matcher",
        "warning",
        "error",
        "notice",
        "debug",
        "group",
        "endgroup",
        "echo",
    ]
)
# .NET's Char.IsWhiteSpace, which String.TrimStart uses.
_DOTNET_SPACE = re.compile(
    r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
)


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str


def _unescape(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for token, replacement in pairs:
        text = text.replace(replacement, token)
    return text


_DATA = (("\r", "%0D"), ("\n", "%0A"), ("%", "%25"))
_PROPERTY = (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25"))
_LEGACY = ((";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D"), ("%", "%25"))


def parse_v2(line: str, registered: set[str]) -> Command | None:
    message = _DOTNET_SPACE.sub("", line)
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, props = info.partition(" ")
    if name.casefold() not in registered:
        return None
    properties = {}
    for pair in filter(None, props.strip().split(",")) if " " in info else ():
        key, sep, value = pair.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, _PROPERTY)
    return Command(name, properties, _unescape(message[end + 2 :], _DATA))


def parse_legacy(line: str, registered: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    info = line[start + 3 : close]
    name, _, props = info.partition(" ")
    if name.casefold() not in registered:
        return None
    properties = {}
    for pair in filter(None, props.split(";")) if " " in info else ():
        key, sep, value = pair.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, _LEGACY)
    return Command(name, properties, _unescape(line[close + 1 :], _LEGACY))


@dataclass
class Runner:
    """Feed it output; it keeps every command it would have processed."""

    processed: list[Command] = field(default_factory=list)
    stop_token: str | None = None
    registered: set[str] = field(default_factory=lambda: set(REGISTERED))

    def feed(self, text: str) -> None:
        for line in re.split(r"\r\n|\r|\n", text):
            self.line(line)

    def line(self, line: str) -> None:
        if not line:
            return
        command = parse_v2(line, self.registered) or parse_legacy(line, self.registered)
        if command is None:
            return
        if self.stop_token is not None:
            if command.name.casefold() == self.stop_token.casefold():
                self.registered.discard(self.stop_token.casefold())
                self.stop_token = None
                self.processed.append(Command("resume", {}, command.name))
            return
        if command.name.casefold() == "stop-commands":
            self.stop_token = command.data
            self.registered.add(command.data.casefold())
        self.processed.append(command)
