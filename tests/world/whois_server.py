"""Fake whois server for the loopback world (to be filled in by the domain checks work)."""

from __future__ import annotations


class Placeholder:
    def reset(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def env(self) -> dict[str, str]:
        return {}


def start() -> Placeholder:
    return Placeholder()
