"""Registration data, whichever service can answer: RDAP first, port-43 WHOIS as fallback.

ICANN made RDAP the gTLD standard and port 43 optional (2025), while many ccTLDs only have
WHOIS. RDAP (bootstrap download included) gets at most half of the time left so that, when
it hangs or fails, WHOIS can still answer within the same deadline and give the same
verdicts. Only when neither can answer is the result an error, naming both failures.

An RDAP "not found" is confirmed with WHOIS when it can answer in time: RFC-following servers
also say 404 for zones they do not serve, and aggregators for TLDs they cannot route, so a
404 alone would make a wrong base URL look like a lapsed domain. A WHOIS record that cannot
be read then makes the check an error, never "not registered".
"""

from __future__ import annotations

import time
from dataclasses import replace

from checker.engine.context import CheckContext
from checker.engine.model import CheckError, Evidence, Unverifiable
from checker.net import rdap, whois_client
from checker.net.registration import Registration

RDAP_SHARE = 0.5
# Confirming a 404 must leave the runner time to take the RDAP answer if WHOIS stalls.
CONFIRM_SHARE = 0.8


def lookup(domain: str, ctx: CheckContext, *, need_contacts: bool = False) -> Registration:
    rdap_failure: CheckError | None = None
    note = ""
    rdap_deadline = time.monotonic() + max(0.05, ctx.remaining() * RDAP_SHARE)
    try:
        base = rdap.base_url(domain, ctx, deadline=rdap_deadline)
    except CheckError as exc:
        base, rdap_failure = None, exc
    if base is not None:
        try:
            record = rdap.lookup(
                domain, base, ctx, deadline=rdap_deadline, need_contacts=need_contacts
            )
        except CheckError as exc:
            rdap_failure = exc
        else:
            return record if record.exists else _confirm_absence(record, ctx, need_contacts)
    if rdap_failure is not None:
        note = f"RDAP failed, answered by WHOIS instead: {rdap_failure.message}"
    elif base is None:
        note = f"no RDAP service is known for {domain}; answered by WHOIS"
    try:
        record = whois_client.lookup(domain, ctx, need_contacts=need_contacts)
    except (CheckError, Unverifiable) as exc:
        raise _both_failed(exc, rdap_failure) from None
    return _with_note(record, note)


def _confirm_absence(absent: Registration, ctx: CheckContext, need_contacts: bool) -> Registration:
    """RDAP said 404: WHOIS decides when it has the record; otherwise RDAP's answer stands."""
    deadline = time.monotonic() + max(0.05, ctx.remaining() * CONFIRM_SHARE)
    try:
        other = whois_client.lookup(
            absent.domain, ctx, need_contacts=need_contacts, deadline=deadline
        )
    except whois_client.UnreadableRecord as exc:
        # WHOIS has a record: RDAP's 404 is that server's blind spot, not an absence.
        raise CheckError(
            f"{absent.source} said not found, but WHOIS answered with a record that could not "
            f"be read: {exc.message}",
            evidence=(*absent.evidence, *exc.evidence),
        ) from None
    except (CheckError, Unverifiable) as exc:
        why = exc.message if isinstance(exc, CheckError) else exc.reason
        note = Evidence(source="WHOIS", excerpt=f"could not confirm RDAP's not-found: {why}")
        return replace(absent, evidence=(*absent.evidence, note, *exc.evidence))
    if other.exists:
        return _with_note(
            other, f"{absent.source} said not found, but WHOIS has the record: answered by WHOIS"
        )
    return replace(absent, evidence=(*absent.evidence, *other.evidence))


def _both_failed(
    whois_failure: CheckError | Unverifiable, rdap_failure: CheckError | None
) -> CheckError | Unverifiable:
    if rdap_failure is None:
        return whois_failure  # WHOIS was the only source; its verdict stands as is
    whois_message = (
        whois_failure.message if isinstance(whois_failure, CheckError) else whois_failure.reason
    )
    waits = [
        w
        for w in (rdap_failure.retry_after, getattr(whois_failure, "retry_after", None))
        if w is not None
    ]
    # RDAP may come back: never "unverifiable" while the primary source is merely down.
    rdap_message = rdap_failure.message
    if not rdap_message.startswith("RDAP"):
        rdap_message = f"RDAP {rdap_message}"
    return CheckError(
        f"neither registration data source answered: {rdap_message}; {whois_message}",
        retry_after=max(waits) if waits else None,
        evidence=(*rdap_failure.evidence, *whois_failure.evidence),
    )


def _with_note(record: Registration, note: str) -> Registration:
    if not note:
        return record
    return replace(record, evidence=(Evidence(source="RDAP", excerpt=note), *record.evidence))
