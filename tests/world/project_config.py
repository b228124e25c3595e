"""The repository's own checks.toml (the JupyterHub team's facts), pointed at the loopback world.

Every service but the web sites is redirected by the endpoint overrides users also have
(``world.env()``); a web site's URL is the documented fact itself, so it is rewritten to the
loopback site. ``[settings]`` is replaced so tests and the demo run fast.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.world import World

PROJECT_CONFIG = Path(__file__).resolve().parents[2] / "checks.toml"


def project_config_text(world: World, settings: str) -> str:
    text = PROJECT_CONFIG.read_text(encoding="utf-8")
    # [settings] runs up to the next table header.
    text, replaced = re.subn(r"(?ms)^\[settings\]\n.*?(?=^\[)", settings.strip() + "\n\n", text)
    if replaced != 1:
        raise ValueError(f"{PROJECT_CONFIG} has no [settings] table followed by another table")
    # The [document] url stays: the loopback GitHub serves it through GITHUB_API_URL.
    site = r'^url = "https://(?!github\.com/)[^/"]+'
    return re.sub(site, f'url = "{world.site.url}', text, flags=re.M)
