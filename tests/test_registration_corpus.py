"""The whois.* checks over real registration records, served by the loopback WHOIS and RDAP
servers and read by the real clients through the endpoint settings.

Every record gets the four checks (registrar, nameservers, expiry, contact), documented with
what the record says as read by hand (provenance: ``tests/corpus/PROVENANCE.md``). A check
agrees when its verdict is the one the record supports: ``ok`` (and, for the expiry, the very
date) when the record publishes the fact, ``unverifiable`` when it does not or hides it. A
disagreement not listed in ``EXCEPTIONS`` fails, so does a listed one that no longer happens,
and so does any ``drift`` the record does not support (a false drift opens a wrong issue).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from checker.engine.model import Result, Status
from tests.helpers import run_text
from tests.world import closed_port
from tests.world.rdap import RecordedRDAP
from tests.world.whois_server import WhoisServer

CORPUS = Path(__file__).parent / "corpus"
WHOIS = CORPUS / "whois"
RDAP = CORPUS / "rdap"
CHECKS = ("registrar", "nameservers", "expiry", "contact")
NOT_REGISTERED = "never-registered-domain.example"  # the RDAP server's own 404 error object

# Generous: the corpus runs ~320 checks at once on a shared machine; none of them waits.
SETTINGS = """
[settings]
timeout = 30
concurrency = 16
retries = 0
confirm_delay = 0
"""

# python-whois's test asks for www.gov.uk; Nominet answers with the gov.uk record.
QUERIED = {"www.gov.uk": "gov.uk"}

# (domain, check) -> why the verdict differs from the hand-read value, for good.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("gov.uk", "registrar"): "the expected value is Nominet's sentence \"No registrar listed. "
    'This domain is directly registered with Nominet.", not a registrar: unverifiable',
    ("google.com", "contact"): "a thin registry's RDAP (Verisign) holds no contacts and links to "
    "the registrar's record at rdap.markmonitor.com, which was not recorded: error (could not "
    "look), as it would be with that server down",
    ("themarquetry.com", "contact"): "as google.com: the contacts are behind the registrar's "
    "link to rdap.registrar.eu, which was not recorded: error",
}


@dataclass(frozen=True)
class Case:
    domain: str
    check: str
    toml: str
    expected: Status
    expires: datetime | None = None  # for an expiry that is published: the date, to the second


def case_id(domain: str, check: str) -> str:
    return f"{check}-{re.sub(r'[^a-z0-9]+', '-', domain)}"


def _check(case_id: str, kind: str, domain: str, body: str) -> str:
    return (
        f'\n[[check]]\nid = "{case_id}"\ntype = "whois.{kind}"\n'
        f'description = "{kind} of {domain} as its record states it"\ndomain = "{domain}"\n{body}'
    )


def _toml(items: list[str]) -> str:
    return json.dumps(items, ensure_ascii=False)


def _second(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
    return when.astimezone(timezone.utc).replace(microsecond=0)


def cases_for(
    domain: str,
    *,
    registrar: str | None,
    nameservers: list[str],
    expires: str | None,
    emails: list[str] | None,
    iana_id: int | None = None,
) -> list[Case]:
    """The four checks of one record, documented with what the record states."""
    made = []
    for check in CHECKS:
        ident = case_id(domain, check)
        if check == "registrar":
            known = registrar is not None
            body = f"names = {_toml([registrar or 'Some Registrar, Inc.'])}\n"
            body += f"iana_id = {iana_id}\n" if iana_id is not None else ""
        elif check == "nameservers":
            known = bool(nameservers)
            body = f"nameservers = {_toml(nameservers or ['ns1.example.net'])}\n"
        elif check == "expiry":
            known = expires is not None
            body = "days = 0\nexpect.days_left = { at_least = -1000000 }\n"  # old records
        else:
            known = bool(emails)
            body = f"email = {_toml(emails or [f'hostmaster@{domain}'])}\n"
        made.append(
            Case(
                domain,
                check,
                _check(ident, check, domain, body),
                Status.OK if known else Status.UNVERIFIABLE,
                _second(expires) if check == "expiry" and expires else None,
            )
        )
    return made


def whois_cases() -> list[Case]:
    peer = json.loads((WHOIS / "peer_read.json").read_text(encoding="utf-8"))["samples"]
    made = []
    for domain, read in sorted(peer.items()):
        expected = json.loads((WHOIS / "expected" / domain).read_text(encoding="utf-8"))
        registrar = read.get("registrar_override") or read["registrar"] or expected.get("registrar")
        made += cases_for(
            QUERIED.get(domain, domain),
            registrar=registrar,
            nameservers=read["nameservers"] or [],
            expires=expected.get("expiration_date"),
            emails=None if read["contacts_hidden"] else read["contact_emails"],
        )
    return made


def rdap_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((RDAP / "records.json").read_text())["records"]
    return records


def rdap_cases() -> list[Case]:
    made = []
    for record in rdap_records():
        truth = record["truth"]
        if "error" in truth:  # the service answered with an error object: no record to read
            made += [
                Case(c.domain, c.check, c.toml, Status.ERROR)
                for c in cases_for(
                    record["domain"], registrar="x", nameservers=["x"], expires=None, emails=["x"]
                )
            ]
            continue
        made += cases_for(
            record["domain"],
            registrar=truth["registrar"],
            nameservers=truth["nameservers"],
            expires=truth["expires"],
            emails=None if truth["contacts_hidden"] else truth["contact_emails"],
            iana_id=truth["iana_id"],
        )
    absent = cases_for(
        NOT_REGISTERED, registrar="x", nameservers=["x"], expires="2000-01-01", emails=["x"]
    )
    return made + [Case(c.domain, c.check, c.toml, Status.DRIFT) for c in absent]


def _run(cases: list[Case], env: dict[str, str]) -> list[tuple[Case, Result]]:
    report = run_text("".join(c.toml for c in cases), env, SETTINGS)
    results = {result.id: result for result in report.results}
    return [(case, results[case_id(case.domain, case.check)]) for case in cases]


@pytest.fixture(scope="module")
def outcomes() -> Iterator[list[tuple[Case, Result]]]:
    """Every case with its result: the WHOIS records behind an RDAP server that does not know
    them (a 404, so WHOIS must answer), the RDAP records with WHOIS unreachable."""
    raw = {
        QUERIED.get(path.name, path.name): path.read_text(encoding="utf-8")
        for path in sorted((WHOIS / "raw").iterdir())
    }
    whois = WhoisServer(records=raw)
    empty_rdap = RecordedRDAP({})
    empty_rdap.start()
    rdap = RecordedRDAP(
        {
            r["domain"]: (r["status"], json.loads((RDAP / r["file"]).read_text(encoding="utf-8")))
            for r in rdap_records()
        }
    )
    rdap.start()
    try:
        yield [
            *_run(whois_cases(), {"CHECKER_RDAP_URL": f"{empty_rdap.url}/rdap", **whois.env()}),
            *_run(
                rdap_cases(),
                {
                    "CHECKER_RDAP_URL": f"{rdap.url}/rdap",
                    "CHECKER_WHOIS_SERVER": f"127.0.0.1:{closed_port()}",
                },
            ),
        ]
    finally:
        whois.stop()
        empty_rdap.stop()
        rdap.stop()


def agrees(case: Case, result: Result) -> bool:
    if result.status is not case.expected:
        return False
    if case.expires is not None:
        observed = (result.observed or {}).get("expires")
        return isinstance(observed, str) and _second(observed) == case.expires
    return True


def disagreements(outcomes: list[tuple[Case, Result]]) -> dict[tuple[str, str], str]:
    return {
        (case.domain, case.check): f"expected {case.expected.value}, got {result.status.value}: "
        f"{result.message}"
        for case, result in outcomes
        if not agrees(case, result)
    }


def test_every_disagreement_is_a_listed_exception(outcomes: list[tuple[Case, Result]]) -> None:
    found = disagreements(outcomes)
    unlisted = {key: why for key, why in found.items() if key not in EXCEPTIONS}
    assert not unlisted, "\n".join(f"{d} {c}: {why}" for (d, c), why in sorted(unlisted.items()))
    stale = set(EXCEPTIONS) - set(found)
    assert not stale, f"exceptions that no longer happen: {sorted(stale)}"


def test_no_false_drift(outcomes: list[tuple[Case, Result]]) -> None:
    false = [
        f"{case.domain} {case.check}: {result.message}"
        for case, result in outcomes
        if result.status is Status.DRIFT and case.expected is not Status.DRIFT
    ]
    assert not false, "\n".join(false)


def test_agreement_is_at_least_99_percent(outcomes: list[tuple[Case, Result]]) -> None:
    agreed = sum(agrees(case, result) for case, result in outcomes)
    assert len(outcomes) >= 300
    assert agreed / len(outcomes) >= 0.99, f"{agreed} of {len(outcomes)} checks agree"


def test_a_record_that_is_not_registered_is_the_only_absence(
    outcomes: list[tuple[Case, Result]],
) -> None:
    absent = {
        case.domain
        for case, result in outcomes
        if result.observed is not None and result.observed.get("exists") is False
    }
    assert absent == {NOT_REGISTERED}
