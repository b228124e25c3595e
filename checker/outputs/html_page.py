"""``index.html`` of the evidence bundle: the report an auditor is handed, as one page.

Self-contained by construction: no script, no stylesheet or image from elsewhere (the
Content-Security-Policy says so to the browser too), and every piece of outside text (a fact,
an observation, a WHOIS line, an endpoint) passes through :func:`text` before it is written.
Links go only to the bundle's own files, or to a check's ``doc`` when it is an http(s) URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from checker.engine.model import Result, Status
from checker.engine.runner import RunReport
from checker.outputs.escape import visible_controls
from checker.outputs.json_report import dumps
from checker.outputs.markdown import plural

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"
_WEB_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0 auto; max-width: 1100px; padding: 2rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.sub { color: #59636e; margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.key { width: 14rem; color: #59636e; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .6rem; overflow-x: auto;
      white-space: pre-wrap; word-break: break-word; margin: .25rem 0; }
.badge { display: inline-block; border-radius: 1rem; padding: 0 .6rem; font-weight: 600;
         font-size: .85rem; }
.ok { background: #dafbe1; color: #116329; }
.drift { background: #ffebe9; color: #a40e26; }
.error { background: #fff8c5; color: #7d4e00; }
.unverifiable { background: #ddf4ff; color: #0a3069; }
.counts { display: flex; gap: .75rem; margin: 1rem 0; }
.counts div { border: 1px solid #d0d7de; border-radius: .5rem; padding: .5rem 1rem; }
.counts b { display: block; font-size: 1.4rem; }
.fact { border: 1px solid #d0d7de; border-radius: .5rem; padding: .25rem 1rem 1rem;
        margin: 1rem 0; }
.fact.is-drift { border-left: 5px solid #cf222e; }
.fact.is-error { border-left: 5px solid #d4a72c; }
.fact.is-unverifiable { border-left: 5px solid #0969da; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
td.id { white-space: nowrap; }
.partial { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem 1rem;
           border-radius: .5rem; }
footer { color: #59636e; margin-top: 2rem; font-size: .85rem; }
"""


def text(value: Any) -> str:
    """Any value as inert HTML text (controls shown as escapes, markup escaped)."""
    return html.escape(visible_controls("" if value is None else str(value)), quote=True)


def _badge(status: Status) -> str:
    return f'<span class="badge {status.value}">{status.value}</span>'


def _link(href: str, label: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{text(label)}</a>'


def _doc(doc: str) -> str:
    if not doc:
        return "-"
    return _link(doc, doc) if _WEB_URL.match(doc) else f"<code>{text(doc)}</code>"


def _json_block(value: Any) -> str:
    return f"<pre>{text(dumps(value, sort_keys=True))}</pre>"


def _rows(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join(f'<tr><td class="key">{text(k)}</td><td>{v}</td></tr>' for k, v in pairs)


def _provenance(provenance: Mapping[str, Any]) -> str:
    ci = provenance.get("ci")
    pairs: list[tuple[str, str]] = [
        ("started", text(provenance.get("started_at"))),
        ("finished", text(provenance.get("finished_at"))),
    ]
    if ci:
        run_url = ci.get("run_url")
        run = _link(run_url, run_url) if run_url and _WEB_URL.match(run_url) else text(run_url)
        pairs += [
            ("repository", text(ci.get("repository"))),
            ("commit", f"<code>{text(ci.get('commit'))}</code> ({text(ci.get('ref'))})"),
            ("workflow", text(ci.get("workflow"))),
            ("run", f"{run} (attempt {text(ci.get('run_attempt'))})"),
            ("actor / event", f"{text(ci.get('actor'))} / {text(ci.get('event'))}"),
        ]
    else:
        pairs.append(("where", "a local run (no GitHub Actions environment)"))
    git = provenance.get("local_git")
    if git:
        modified = " (checks.toml modified since this commit)" if git.get("config_modified") else ""
        pairs.append(("local git commit", f"<code>{text(git.get('commit'))}</code>{modified}"))
    tool = provenance.get("tool", {})
    deps = ", ".join(f"{k} {v}" for k, v in (tool.get("dependencies") or {}).items() if v)
    config = provenance.get("config", {})
    pairs += [
        ("tool", text(f"infra-checker {tool.get('version')}, Python {tool.get('python')}")),
        ("dependencies", text(deps)),
        ("command line", f"<code>{text(' '.join(provenance.get('command_line', [])))}</code>"),
        (
            "configuration",
            f"<code>{text(config.get('path'))}</code> sha256 "
            f"<code>{text(config.get('sha256'))}</code>",
        ),
    ]
    document = provenance.get("document")
    if document:
        pairs.append(
            (
                "document",
                f"{text(document.get('source'))} "
                f"sha256 <code>{text(document.get('sha256'))}</code>",
            )
        )
    overridden = [
        f"{text(name)} = <code>{text(e['value'])}</code> ({text(e['source'])})"
        for name, e in (provenance.get("endpoints") or {}).items()
        if e.get("overridden")
    ]
    pairs.append(("endpoints", "<br>".join(overridden) or "all public defaults"))
    return f"<table>{_rows(pairs)}</table>"


def _selection(provenance: Mapping[str, Any]) -> str:
    selection = provenance.get("selection") or {}
    if not selection.get("partial"):
        return "<p>Every configured check ran.</p>"
    items = "".join(
        f"<li><code>{text(n['id'])}</code>: {text(n['reason'])}</li>"
        for n in selection.get("not_run", [])
    )
    return (
        '<div class="partial"><p><b>Partial run.</b> These configured checks did not run:</p>'
        f"<ul>{items}</ul></div>"
    )


def _binding(result: Result) -> list[tuple[str, str]]:
    """The document's own sentence for the fact, and how it stands in the page read this run."""
    binding = result.document
    if binding is None or not binding.quote:
        return []
    return [
        ("documented sentence", f"<q>{text(binding.quote)}</q>"),
        ("in the document now", text(binding.state.value)),
    ]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _fact(result: Result, evidence_file: str | None) -> str:
    answers = sum(len(look.evidence) for look in result.looks) or len(result.evidence)
    evidence = _link(evidence_file, evidence_file) if evidence_file else "-"
    rows = _rows(
        [
            ("documented fact", text(result.description)),
            *_binding(result),
            ("documented in", _doc(result.doc)),
            ("check type", f"<code>{text(result.type)}</code>"),
            ("verdict", f"{_badge(result.status)} {text(result.message)}"),
            (
                "attempts",
                text(f"{_count(result.attempts, 'attempt')}, {_count(answers, 'answer')} kept"),
            ),
            ("evidence", evidence),
        ]
    )
    return (
        f'<section class="fact is-{result.status.value}" id="check-{text(result.id)}">'
        f"<h3><code>{text(result.id)}</code> {_badge(result.status)}</h3>"
        f"<table>{rows}</table>"
        '<div class="pair">'
        f"<div><p>Expected:</p>{_json_block(dict(result.expected))}</div>"
        f"<div><p>Observed:</p>{_json_block(result.observed)}</div>"
        "</div>"
        "</section>"
    )


def render_html(
    report: RunReport,
    provenance: Mapping[str, Any],
    evidence_files: Mapping[str, str],
) -> str:
    summary = report.summary()
    counts = "".join(
        f'<div class="{text(status)}"><b>{count}</b>{text(status)}</div>'
        for status, count in summary.items()
    )
    table = "".join(
        "<tr>"
        f'<td class="id"><a href="#check-{text(r.id)}"><code>{text(r.id)}</code></a></td>'
        f"<td>{text(r.description)}</td><td>{_badge(r.status)}</td><td>{text(r.message)}</td>"
        "</tr>"
        for r in report.results
    )
    facts = "".join(_fact(r, evidence_files.get(r.id)) for r in report.results)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>infra-checker evidence: {len(report.results)} documented facts</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Documented infrastructure: evidence report</h1>
<p class="sub">{plural(len(report.results), "fact")} checked live by infra-checker,
started {text(provenance.get("started_at"))}.</p>
</header>
<main>
<div class="counts">{counts}</div>
{_selection(provenance)}
<h2>Verdicts</h2>
<table>
<thead><tr><th>Check</th><th>Documented fact</th><th>Verdict</th><th>Details</th></tr></thead>
<tbody>{table}</tbody>
</table>
<h2>Provenance</h2>
{_provenance(provenance)}
<h2>Facts and evidence</h2>
{facts}
</main>
<footer>
<p>ok: the check saw the documented fact. drift: it saw a different fact. error: it could not
look this time. unverifiable: it can never look with what it has (the reason is given).</p>
<p>Verify this bundle: <code>sha256sum -c SHA256SUMS</code> in this directory, and
<code>gh attestation verify SHA256SUMS --repo OWNER/REPO</code> for a bundle made by the audit
workflow (see README.txt).</p>
</footer>
</body>
</html>
"""
