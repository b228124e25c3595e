"""A fake RDAP service (RFC 9082/9083) answering from the domain scenario.

It plays three parts on one port, as the real ones are laid out:
- ``/bootstrap/dns.json``: the IANA bootstrap file (RFC 9224) naming this server for .org/.com;
- ``/rdap/domain/{name}``: the registry (PIR-style thick .org with RFC 9537 ``redacted``
  members; Verisign-style thin .com; both with a ``related`` link to the registrar's record;
  DENIC-style .de with nameservers and status only: no registrar, no expiry, no contacts);
- ``/registrar/rdap/domain/{name}``: the registrar's record, with the registrant's contacts.
"""

from __future__ import annotations

from typing import Any

from tests.world.domain_world import SCENARIO, Domain, DomainScenario
from tests.world.httpfake import FakeHTTPService, Reply, Request

RDAP_JSON = "application/rdap+json"
CONFORMANCE = [
    "rdap_level_0",
    "icann_rdap_technical_implementation_guide_1",
    "icann_rdap_response_profile_1",
    "redacted",
]
REDACTED_FIELDS = [
    ("Registrant Name", "emptyValue", "fn"),
    ("Registrant Organization", "removal", "org"),
    ("Registrant Email", "removal", "email"),
    ("Registrant Phone", "removal", "tel"),
    ("Tech Email", "removal", "email"),
]


def _z(when: Any) -> str:
    return str(when.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _vcard(*props: list[Any]) -> list[Any]:
    return ["vcard", [["version", {}, "text", "4.0"], *props]]


def _registrar_entity(domain: Domain, registrar_view: bool) -> dict[str, Any]:
    own_handle = domain.registry_registrar_handle and not registrar_view
    ids = [{"type": "IANA Registrar ID", "identifier": str(domain.iana_id)}]
    return {
        "objectClassName": "entity",
        "handle": domain.registry_registrar_handle if own_handle else str(domain.iana_id),
        "roles": ["registrar"],
        **({} if own_handle else {"publicIds": ids}),
        "vcardArray": _vcard(["fn", {}, "text", domain.registrar]),
        "links": [
            {
                "value": domain.registrar_url,
                "rel": "about",
                "href": domain.registrar_url,
                "type": "text/html",
            }
        ],
        "entities": [
            {
                "objectClassName": "entity",
                "roles": ["abuse"],
                "vcardArray": _vcard(
                    ["fn", {}, "text", "Abuse Department"],
                    ["tel", {"type": "voice"}, "uri", "tel:+1.8017659400"],
                    ["email", {}, "text", "abuse@bluehost.com"],
                ),
            }
        ],
    }


def _contact_entities(domain: Domain, redacted: bool) -> list[dict[str, Any]]:
    entities = []
    for role in ("registrant", "technical"):
        if redacted:
            props: list[list[Any]] = [
                ["fn", {}, "text", ""],
                ["adr", {}, "text", ["", "", "", "", "CA", "", "US"]],
                ["contact-uri", {}, "uri", "https://www.bluehost.com/whois-contact"],
            ]
        else:
            props = [
                ["fn", {}, "text", domain.registrant_name],
                ["email", {}, "text", domain.registrant_email],
                ["adr", {}, "text", ["", "", "", "Berkeley", "CA", "94720", "US"]],
            ]
            if domain.registrant_org and role == "registrant":
                props.append(["org", {}, "text", domain.registrant_org])
        entities.append(
            {
                "objectClassName": "entity",
                "handle": "REDACTED" if redacted else f"C{role.upper()}-{domain.registry_id[:8]}",
                "roles": [role],
                "vcardArray": _vcard(*props),
            }
        )
    return entities


def _redactions() -> list[dict[str, Any]]:
    out = []
    for name, method, prop in REDACTED_FIELDS:
        role = "registrant" if name.startswith("Registrant") else "technical"
        path = f"$.entities[?(@.roles[0]=='{role}')].vcardArray[1][?(@[0]=='{prop}')]"
        out.append(
            {
                "name": {"type": name},
                ("postPath" if method == "emptyValue" else "prePath"): path,
                "pathLang": "jsonpath",
                "method": method,
                "reason": {"description": "Server policy"},
            }
        )
    return out


def denic_object(domain: Domain, base: str) -> dict[str, Any]:
    """What rdap.denic.de publishes: the delegation and status, nothing about registrar,
    expiry or holder (DENIC's policy since 2018)."""
    self_url = f"{base}/domain/{domain.name}"
    return {
        "rdapConformance": ["rdap_level_0"],
        "objectClassName": "domain",
        "handle": domain.name,
        "ldhName": domain.name,
        "links": [{"value": self_url, "rel": "self", "href": self_url, "type": RDAP_JSON}],
        "status": ["active"],
        "events": [{"eventAction": "last changed", "eventDate": _z(domain.updated)}],
        "nameservers": [
            {"objectClassName": "nameserver", "ldhName": ns} for ns in domain.nameservers
        ],
        "secureDNS": {"delegationSigned": False},
        "notices": [
            {
                "title": "Terms and Conditions",
                "description": ["Usage of this service is subject to DENIC's terms."],
            }
        ],
    }


def domain_object(domain: Domain, base: str, *, registrar_view: bool, now: Any) -> dict[str, Any]:
    if domain.registry == "denic":
        return denic_object(domain, base)
    self_url = f"{base}/domain/{domain.name}"
    thin = domain.registry == "verisign" and not registrar_view
    redacted = domain.registrar_redacts if registrar_view else domain.registry_redacts
    entities = [_registrar_entity(domain, registrar_view)]
    if not thin:
        entities += _contact_entities(domain, redacted)
    links = [{"value": self_url, "rel": "self", "href": self_url, "type": RDAP_JSON}]
    if not registrar_view:  # the registrar's record: where contacts live after ICANN's RDP
        related = f"{base.rsplit('/rdap', 1)[0]}/registrar/rdap/domain/{domain.name}"
        links.append({"value": related, "rel": "related", "href": related, "type": RDAP_JSON})
    data: dict[str, Any] = {
        "rdapConformance": CONFORMANCE,
        "objectClassName": "domain",
        "handle": domain.registry_id,
        "ldhName": domain.name.upper() if domain.registry == "verisign" else domain.name,
        "links": links,
        "status": ["client transfer prohibited"],
        "entities": entities,
        "events": [
            {"eventAction": "registration", "eventDate": _z(domain.created)},
            {"eventAction": "expiration", "eventDate": _z(domain.expires)},
            {"eventAction": "last changed", "eventDate": _z(domain.updated)},
            {"eventAction": "last update of RDAP database", "eventDate": _z(now)},
        ],
        "secureDNS": {"delegationSigned": False},
        "nameservers": [
            {
                "objectClassName": "nameserver",
                "ldhName": ns.upper() if domain.registry == "verisign" else ns,
            }
            for ns in domain.nameservers
        ],
        "notices": [
            {
                "title": "Terms of Use",
                "description": ["Service subject to Terms of Use."],
                "links": [{"rel": "terms-of-service", "href": "https://example.org/tos"}],
            }
        ],
    }
    if redacted and not thin:
        data["redacted"] = _redactions()
    return data


def _error(status: int, title: str, description: str) -> Reply:
    body = {"errorCode": status, "title": title, "description": [description]}
    return Reply.json(body, status, {"Content-Type": RDAP_JSON})


class FakeRDAP(FakeHTTPService):
    def __init__(self, scenario: DomainScenario = SCENARIO) -> None:
        super().__init__("rdap")
        self.scenario = scenario
        self.bootstrap_tlds = ["org", "com", "de"]
        self.route("GET", "/rdap/domain/{name}")(self._registry)
        self.route("GET", "/registrar/rdap/domain/{name}")(self._registrar)
        self.route("GET", "/bootstrap/dns.json")(self._bootstrap)
        self.reset_hooks.append(self._restore)

    def _restore(self) -> None:
        self.bootstrap_tlds = ["org", "com", "de"]
        self.scenario.reset()

    def not_found(self, request: Request) -> Reply:
        return _error(404, "Not Found", "The requested object was not found.")

    def error_reply(self, status: int) -> Reply:
        return _error(status, "Service Unavailable", "The RDAP service is temporarily down.")

    def _answer(self, request: Request, *, registrar_view: bool) -> Reply:
        domain = self.scenario.domain(request.params["name"])
        if domain is None:
            return self.not_found(request)
        base = f"{self.url}/registrar/rdap" if registrar_view else f"{self.url}/rdap"
        data = domain_object(domain, base, registrar_view=registrar_view, now=self.scenario.now)
        return Reply.json(data, headers={"Content-Type": RDAP_JSON})

    def _registry(self, request: Request) -> Reply:
        return self._answer(request, registrar_view=False)

    def _registrar(self, request: Request) -> Reply:
        return self._answer(request, registrar_view=True)

    def _bootstrap(self, request: Request) -> Reply:
        return Reply.json(
            {
                "description": "RDAP bootstrap file for Domain Name System registrations",
                "publication": "2026-11-20T19:00:01Z",
                "services": [
                    [list(self.bootstrap_tlds), [f"{self.url}/rdap/"]],
                    [["example"], ["https://rdap.example.net/"]],
                ],
                "version": "1.0",
            }
        )

    def env(self) -> dict[str, str]:
        return {"CHECKER_RDAP_URL": f"{self.url}/rdap"}


def start() -> FakeRDAP:
    service = FakeRDAP()
    service.start()
    return service


class RecordedRDAP(FakeHTTPService):
    """An RDAP service answering with recorded real answers (``records``: domain -> (HTTP
    status, JSON body), as the registry or registrar sent it) and, for every other domain,
    the RFC 9083 error object a registry sends with its 404."""

    def __init__(self, records: dict[str, tuple[int, Any]]) -> None:
        super().__init__("rdap-recorded")
        self.records = records
        self.route("GET", "/rdap/domain/{name}")(self._domain)

    def not_found(self, request: Request) -> Reply:
        return _error(404, "Not Found", "The requested object was not found.")

    def _domain(self, request: Request) -> Reply:
        record = self.records.get(request.params["name"].lower())
        if record is None:
            return self.not_found(request)
        status, body = record
        return Reply.json(body, status, headers={"Content-Type": RDAP_JSON})

    def env(self) -> dict[str, str]:
        return {"CHECKER_RDAP_URL": f"{self.url}/rdap"}
