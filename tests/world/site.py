"""A plain website (like gke.mybinder.org) for ``http.status`` checks."""

from __future__ import annotations

from tests.world.httpfake import FakeHTTPService, Reply, Request

BINDER_HOME = """<!DOCTYPE html>
<html lang="en"><head><title>The Binder Project</title></head>
<body><h1>Turn a Git repo into a collection of interactive notebooks</h1>
<p>Powered by BinderHub</p></body></html>
"""


class Site(FakeHTTPService):
    def __init__(self) -> None:
        super().__init__("site")
        self.pages: dict[str, Reply] = {}
        self.reset_hooks.append(self._documented)
        self._documented()

        @self.route("GET", "/{page}")
        def page(request: Request) -> Reply:
            return self.pages.get(request.path, self.not_found(request))

        @self.route("GET", "/")
        def home(request: Request) -> Reply:
            return self.pages.get("/", self.not_found(request))

    def _documented(self) -> None:
        self.pages = {
            "/": Reply.text(BINDER_HOME, content_type="text/html; charset=utf-8"),
            "/health": Reply.json({"ok": True, "checks": []}),
        }

    def not_found(self, request: Request) -> Reply:
        return Reply.text("<html><body>404 page not found</body></html>", 404, "text/html")


def start() -> Site:
    site = Site()
    site.start()
    return site
