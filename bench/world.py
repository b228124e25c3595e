"""The loopback world for benchmarks, and the checks.toml entries they run against it.

Each family contributes templates of documented facts that hold in the world's documented
state. A family whose check type or fake is not there yet is left out, and the report says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from checker.engine.registry import registry
from checker.engine.settings import ENV_OVERRIDES
from tests.world import World, closed_port

# (type, TOML body) per family; "{site}" is the loopback website's base URL.
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "http": [
        ("http.status", 'url = "{site}/"\nexpect.body = {{ contains = "Binder" }}'),
        ("http.status", 'url = "{site}/health"'),
    ],
    "github": [
        ("github.organization", 'org = "jupyterhub"'),
        ("github.repository", 'repository = "jupyterhub/mybinder.org-deploy"'),
    ],
    "quay": [
        ("quay.organization", 'organization = "jupyterhub"'),
        ("quay.repository", 'repository = "jupyterhub/repo2docker"'),
    ],
    "dockerhub": [
        ("dockerhub.organization", 'organization = "jupyterhub"'),
        ("dockerhub.repository", 'repository = "jupyterhub/k8s-hub"'),
    ],
    "gcp": [("gcp.project", 'project_id = "binderhub-288415"')],
    "dns": [
        ("dns.nameservers", 'zone = "mybinder.org"'),
        ("dns.record", 'name = "gke.mybinder.org"\nrdtype = "A"'),
    ],
    "whois": [
        ("whois.registrar", 'domain = "mybinder.org"'),
        ("whois.expiry", 'domain = "mybinder.org"'),
        ("whois.nameservers", 'domain = "mybinder.org"'),
    ],
}


@dataclass(frozen=True)
class Template:
    family: str
    type: str
    body: str


def safe_env(world: World) -> dict[str, str]:
    """The environment of a measured run: every endpoint on loopback, nothing inherited that
    could point elsewhere or leak (tokens)."""
    dead = f"127.0.0.1:{closed_port()}"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    for var in ENV_OVERRIDES:
        bare = var in ("CHECKER_DNS_RESOLVERS", "CHECKER_WHOIS_SERVER")
        env[var] = dead if bare else f"http://{dead}"
    env.update(world.env())
    env["NO_COLOR"] = "1"
    return env


SETTINGS_ENDPOINTS = """
[settings.endpoints]
rdap_bootstrap = "http://127.0.0.1:{dead}/dns.json"
"""


def config_text(templates: list[Template], count: int, site: str, settings: str) -> str:
    """``count`` checks cycling through ``templates``, each with its own id."""
    parts = [settings, SETTINGS_ENDPOINTS.format(dead=closed_port())]
    for n in range(count):
        template = templates[n % len(templates)]
        parts.append(
            f'\n[[check]]\nid = "{template.family}-{n}"\ntype = "{template.type}"\n'
            f'description = "bench fact {n}"\n' + template.body.format(site=site) + "\n"
        )
    return "".join(parts)


def candidate_templates() -> tuple[list[Template], list[str]]:
    """Templates whose check type is registered, and the types that are not (yet)."""
    known = registry()
    every = [
        Template(f, type_name, body)
        for f, entries in TEMPLATES.items()
        for type_name, body in entries
    ]
    return [t for t in every if t.type in known], sorted({t.type for t in every} - set(known))


@contextmanager
def running_world() -> Iterator[World]:
    world = World()
    try:
        yield world
    finally:
        world.stop()


def inject_latency(world: World, delay: float) -> list[str]:
    """Delay every response of every fake that can; returns the services that could not."""
    skipped = []
    for name, service in vars(world).items():
        if name == "services":
            continue
        inject = getattr(service, "inject", None)
        if inject is None:
            skipped.append(name)
            continue
        try:
            inject("latency", delay=delay)
        except (TypeError, ValueError):
            skipped.append(name)
    return skipped
