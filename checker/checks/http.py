"""``http.status``: a URL answers with the documented status (and, optionally, body text)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from checker.engine.context import CheckContext
from checker.engine.matchers import Matcher
from checker.engine.model import Observation
from checker.engine.registry import CheckType
from checker.net.http import http_client


class HttpStatusParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: HttpUrl = Field(description="the URL to GET (redirects are followed)")
    expected_status: int | list[int] = Field(
        default=200,
        description="status code, or list of accepted codes, for the default expectation",
    )


def _default_expect(params: HttpStatusParams) -> dict[str, Matcher]:
    codes = params.expected_status
    return {"status": Matcher(one_of=[*codes] if isinstance(codes, list) else [codes])}


def observe_status(params: HttpStatusParams, ctx: CheckContext) -> Observation:
    codes = params.expected_status
    expected = set(codes) if isinstance(codes, list) else {codes}
    # A documented 503 is a fact like any other; an undocumented one means we could not look.
    response = http_client(ctx).get(
        str(params.url), timeout=ctx.call_timeout(), accept_statuses=expected
    )
    return Observation(
        values={"status": response.status, "body": response.text, "final_url": response.url},
        evidence=(response.evidence(),),
    )


CHECK_TYPES = [
    CheckType(
        name="http.status",
        summary="GET a URL; expect a status code and optionally text in the body",
        params=HttpStatusParams,
        observe=observe_status,
        fields={
            "status": "HTTP status code of the final response",
            "body": "response body as text",
            "final_url": "URL after redirects",
        },
        default_expect=_default_expect,
    )
]
