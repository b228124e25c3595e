"""Registration data, whichever service can answer: RDAP first, port-43 WHOIS as fallback.

ICANN made RDAP the gTLD standard and port 43 optional (2025), while many ccTLDs only have
WHOIS. RDAP gets at most half of the time left so that, when it hangs or fails, WHOIS can
still answer within the same deadline and give the same verdicts. Only when neither can
answer is the result an error, naming both failures.
"""

from __future__ import annotations

from dataclasses import replace

from checker.engine.context import CheckContext
from checker.engine.model import CheckError, Evidence, Unverifiable
from checker.net import rdap, whois_client
from checker.net.registration import Registration

RDAP_SHARE = 0.5


def lookup(domain: str, ctx: CheckContext, *, need_contacts: bool = False) -> Registration:
    rdap_failure: CheckError | None = None
    note = ""
    try:
        base = rdap.base_url(domain, ctx)
    except CheckError as exc:
        base, rdap_failure = None, exc
    if base is not None:
        try:
            return rdap.lookup(
                domain,
                base,
                ctx,
                timeout=max(0.05, ctx.remaining() * RDAP_SHARE),
                need_contacts=need_contacts,
            )
        except CheckError as exc:
            rdap_failure = exc
    if rdap_failure is not None:
        note = f"RDAP failed, answered by WHOIS instead: {rdap_failure.message}"
    elif base is None:
        note = f"no RDAP service is known for {domain}; answered by WHOIS"
    try:
        record = whois_client.lookup(domain, ctx, need_contacts=need_contacts)
    except (CheckError, Unverifiable) as exc:
        raise _both_failed(exc, rdap_failure) from None
    return _with_note(record, note)


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
