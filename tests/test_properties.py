"""Properties of the core that no hand-picked example can promise.

- Any text, and any structurally plausible TOML document (random tables, random ``[[check]]``
  keys, every value type TOML has), either loads or raises :class:`ConfigError`; through the CLI
  that is exit 2 with one ``infra-checker:`` paragraph on stderr, never a traceback.
- Matchers never raise, whatever a service sends back, and say the same thing for equal facts.
"""

from __future__ import annotations

import functools
import json
import math
import re
import string
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from checker.engine.config import COMMON_KEYS, Config, parse_config
from checker.engine.matchers import Matcher, coerce, show
from checker.engine.model import Evidence, Observation, Result, Status, utcnow
from checker.engine.registry import registry
from checker.engine.runner import RunReport, judge
from checker.engine.settings import ENV_OVERRIDES
from checker.errors import ConfigError
from checker.outputs.json_report import render_json
from checker.outputs.markdown import render_markdown
from checker.outputs.text import render_text
from tests.helpers import cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- a small TOML writer, so random *documents* become TOML *text* --------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"


def toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(value)


def dump_toml(doc: dict[str, Any]) -> str:
    """Top-level scalars first, then tables, then arrays of tables as ``[[name]]``."""
    lines = [f"{toml_string(k)} = {toml_value(v)}" for k, v in doc.items() if not _is_block(v)]
    for key, value in doc.items():
        if isinstance(value, dict):
            lines.append(f"[{toml_string(key)}]")
            lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()]
        elif _is_table_array(value):
            for table in value:
                lines.append(f"[[{toml_string(key)}]]")
                lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def canonical(value: Any) -> Any:
    """Key order does not matter in TOML; compare documents with sorted keys."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _is_block(value: Any) -> bool:
    return isinstance(value, dict) or _is_table_array(value)


# --- strategies ------------------------------------------------------------------------------

TOML_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)  # type: ignore[arg-type]
TYPES = sorted(registry())
PARAM_KEYS = sorted({name for t in registry().values() for name in t.params.model_fields})
FIELD_KEYS = sorted({name for t in registry().values() for name in t.fields})
MATCHER_OPS = sorted(Matcher.model_fields)
SETTINGS_KEYS = [
    "timeout",
    "concurrency",
    "retries",
    "retry_backoff",
    "max_retry_wait",
    "confirm_delay",
    "max_response_bytes",
]
ENDPOINT_KEYS = ["github_api", "quay", "dockerhub", "gcp", "rdap", "rdap_bootstrap"]
ENDPOINT_KEYS += ["whois_server", "dns_resolvers"]

offsets = st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)))
toml_scalars = st.one_of(
    TOML_TEXT,
    st.sampled_from(["", " ", "http://127.0.0.1:1", "https://mybinder.org/", "a-b", "1.2.3.4:53"]),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, -1, 200, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(timezones=st.none() | offsets),
    st.dates(),
    st.times(),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(TOML_TEXT | st.sampled_from(MATCHER_OPS), inner, max_size=4)
    ),
    max_leaves=12,
)
plausible = st.one_of(
    st.sampled_from(TYPES),
    st.sampled_from(["binder-home", "Bad_Id", "a--b", "x"]),
    st.lists(st.sampled_from(["web", "dns", ""]), max_size=3),
    toml_values,
)
matcher_tables = st.dictionaries(st.sampled_from(MATCHER_OPS) | TOML_TEXT, toml_values, max_size=3)
expect_tables = st.dictionaries(
    st.sampled_from(FIELD_KEYS) | TOML_TEXT, matcher_tables | toml_scalars, max_size=3
)
check_tables = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["binder-home", "quay-repo2docker", "Bad Id"]) | plausible,
        "type": st.sampled_from(TYPES) | plausible,
        "description": st.just("a documented fact") | plausible,
        "expect": expect_tables | plausible,
    },
).flatmap(
    lambda base: st.dictionaries(
        st.sampled_from(sorted(COMMON_KEYS) + PARAM_KEYS) | TOML_TEXT, plausible, max_size=5
    ).map(lambda extra: {**extra, **base})
)
settings_tables = st.dictionaries(
    st.sampled_from(SETTINGS_KEYS) | TOML_TEXT, toml_scalars, max_size=4
).flatmap(
    lambda table: st.dictionaries(st.sampled_from(ENDPOINT_KEYS), plausible, max_size=3).map(
        lambda endpoints: {**table, "endpoints": endpoints} if endpoints else table
    )
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "settings": settings_tables,
        "issues": st.dictionaries(
            st.sampled_from(["enabled", "repository", "labels", "max_new"]) | TOML_TEXT,
            plausible,
            max_size=3,
        ),
        "check": st.lists(check_tables, min_size=1, max_size=4),
        "extra": toml_values,
    },
)
envs = st.dictionaries(
    st.sampled_from(sorted(ENV_OVERRIDES)),
    st.sampled_from(["127.0.0.1:5353", "[::1]:53", "localhost", "http://127.0.0.1:1", ":", "[x"])
    | TOML_TEXT,
    max_size=3,
)


def load_or_config_error(text: str, env: dict[str, str] | None = None) -> Config | None:
    """The property itself: a Config, or a ConfigError naming the file. Anything else fails."""
    try:
        return parse_config(text, Path("checks.toml"), env or {})
    except ConfigError as exc:
        assert str(exc).startswith("checks.toml: "), str(exc)
        return None


# --- config properties -----------------------------------------------------------------------


@PROPERTY
@given(st.text(max_size=300))
@example("a = " + "1" * 5000)  # int() refuses > 4300 digits; tomllib let that ValueError out
@example("a = " + "[" * 50_000)  # tomllib recursion per nesting level
@example("a = " + "{b = " * 50_000)
def test_any_text_loads_or_is_a_config_error(text: str) -> None:
    load_or_config_error(text)


@PROPERTY
@given(documents, envs)
def test_any_document_loads_or_is_a_config_error(doc: dict[str, Any], env: dict[str, str]) -> None:
    text = dump_toml(doc)
    parsed = tomllib.loads(text)  # the writer itself must be right, or this proves nothing
    assert toml_value(canonical(parsed)) == toml_value(canonical(doc))
    config = load_or_config_error(text, env)
    if config is not None:
        assert all(check.expect for check in config.checks)
        assert len({c.id for c in config.checks}) == len(config.checks)


def test_the_document_strategy_reaches_valid_configs() -> None:
    """Guard against a strategy that only ever produces errors: a valid check must load."""
    doc = {
        "check": [
            {
                "id": "binder-home",
                "type": "http.status",
                "description": "a documented fact",
                "url": "https://mybinder.org/",
            }
        ]
    }
    config = load_or_config_error(dump_toml(doc))
    assert config is not None and config.checks[0].id == "binder-home"


@pytest.mark.parametrize(
    "text",
    [
        "[settings]\ntimeout = 0x" + "f" * 5000,
        "[[check]]\nexpect.status = { equals = 9223372036854775808 }",
        "[settings]\nretries = -9223372036854775809",
    ],
)
def test_integers_beyond_64_bits_are_a_config_error(text: str) -> None:
    """TOML integers are 64-bit; a bigger one would later crash every report that prints it."""
    with pytest.raises(ConfigError, match="integer out of 64-bit range"):
        parse_config(text, Path("checks.toml"), {})


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=documents, env=envs)
def test_cli_validate_exits_0_or_2_with_one_message(
    doc: dict[str, Any], env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("prop") / "checks.toml"
    path.write_text(dump_toml(doc), encoding="utf-8")
    code, out, err = cli(["validate", "--config", str(path)], env)
    assert code in (0, 2)
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("infra-checker: ") and out == ""
        assert err.count("\n") == 1, err
    else:
        assert err == "" and "valid" in out


NASTY_FILES = {
    "deep-arrays": b"a = " + b"[" * 100_000,
    "huge-int": b"[settings]\ntimeout = " + b"9" * 5000,
    "hex-int": b"[settings]\nconcurrency = 0x" + b"f" * 5000,
    "not-utf8": b"\xff\xfe[[check]]\x00",
    "nul": b'[[check]]\nid = "a\x00"\n',
}


@pytest.mark.parametrize("name", sorted(NASTY_FILES))
def test_cli_process_on_nasty_files_exits_2_without_traceback(name: str, tmp_path: Path) -> None:
    """The real process (not the in-process helper): exit 2, one line on stderr."""
    path = tmp_path / "checks.toml"
    path.write_bytes(NASTY_FILES[name])
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "validate", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("infra-checker: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


# --- matcher properties ----------------------------------------------------------------------

JSON_TEXT = st.text(max_size=30) | st.sampled_from(["NS1.Example.COM.", " ok ", "", "."])
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**64), 2**1000]),
    st.floats(allow_nan=True, allow_infinity=True),
    JSON_TEXT,
)
observed_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=15,
)
scalars = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), JSON_TEXT
)
numbers = st.integers() | st.floats(allow_nan=True, allow_infinity=True)
patterns = st.sampled_from([r"^\d{4}-", "a|b", ".*", "(?i)JUPYTER", r"\.org$", ""]) | (
    st.text(string.ascii_letters + ".*+?()[]|^$\\", max_size=8).filter(lambda p: _compiles(p))
)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


matcher_args = {
    "equals": scalars | st.lists(scalars, max_size=4),
    "one_of": st.lists(scalars, max_size=4),
    "contains": JSON_TEXT | st.lists(JSON_TEXT, max_size=3),
    "matches": patterns,
    "all_match": patterns,
    "set_equals": st.lists(JSON_TEXT, max_size=4),
    "includes": st.lists(JSON_TEXT, max_size=4),
    "at_least": numbers,
    "at_most": numbers,
}
matchers = st.fixed_dictionaries({}, optional=matcher_args).filter(bool)
# The same operators with TOML's 64-bit integers, for documents written as TOML.
int64 = st.integers(-(2**63), 2**63 - 1)
toml_scalars_for_matchers = st.one_of(
    st.booleans(), int64, st.floats(allow_nan=True, allow_infinity=True), JSON_TEXT
)
toml_matchers = st.fixed_dictionaries(
    {},
    optional={
        **matcher_args,
        "equals": toml_scalars_for_matchers | st.lists(toml_scalars_for_matchers, max_size=4),
        "one_of": st.lists(toml_scalars_for_matchers, max_size=4),
        "at_least": int64 | st.floats(),
        "at_most": int64 | st.floats(),
    },
).filter(bool)


@settings(max_examples=400, deadline=None)
@given(matchers, observed_values, JSON_TEXT)
@example({"set_equals": ["a"]}, [None, False, 1], "ns")  # sorted() of mixed types raised
def test_matchers_never_raise(table: dict[str, Any], observed: Any, name: str) -> None:
    matcher = coerce(table)
    sentences = matcher.failures(name, observed)
    assert isinstance(sentences, list) and all(isinstance(s, str) for s in sentences)
    assert len(sentences) <= len(table)  # one sentence per failing operator, at most
    assert all(s.startswith(f"expected {name} to ") for s in sentences)
    assert matcher.describe().keys() == table.keys()


@pytest.mark.parametrize("op", sorted(matcher_args))
@pytest.mark.parametrize(
    "observed", [10**5000, [-(10**5000)], {"n": 10**5000}], ids=["int", "list", "dict"]
)
def test_matchers_survive_ints_too_long_to_print(op: str, observed: Any) -> None:
    """A 5000-digit int cannot even be repr()'d (Python's str-conversion limit): still a sentence.

    (Kept out of the Hypothesis strategies because Hypothesis itself cannot print such a value.)
    """
    table = {"equals": 1, "one_of": [1], "contains": "x", "matches": "x", "all_match": "x"}
    table |= {"set_equals": ["x"], "includes": ["x"], "at_least": float("inf")}
    table |= {"at_most": -1}
    sentences = coerce({op: table[op]}).failures("n", observed)
    assert sentences and "too large to print" in sentences[0]


@PROPERTY
@given(observed_values)
def test_show_never_raises_and_stays_short(value: Any) -> None:
    text = show(value)
    assert isinstance(text, str) and len(text) <= 301


@PROPERTY
@given(scalars)
def test_a_value_equals_itself_once_normalised(value: Any) -> None:
    assume(not (isinstance(value, float) and math.isnan(value)))
    assert coerce({"equals": value}).failures("f", value) == []
    assert coerce({"one_of": [value]}).failures("f", value) == []
    if isinstance(value, str) and value == value.strip().rstrip(".").strip():
        assume(value.upper().casefold() == value.casefold())
        assert coerce({"equals": value}).failures("f", f"  {value.upper()}.  ") == []


@PROPERTY
@given(st.lists(JSON_TEXT, max_size=6), st.randoms(use_true_random=False))
def test_set_equals_ignores_order_and_case(items: list[str], rnd: Any) -> None:
    shuffled = [s.upper() if rnd.random() < 0.5 else s for s in items]
    rnd.shuffle(shuffled)
    assume(all(s.upper().casefold() == s.casefold() for s in items))
    assert coerce({"set_equals": items}).failures("ns", shuffled) == []
    assert coerce({"includes": items}).failures("ns", [*shuffled, "extra.example"]) == []


@PROPERTY
@given(st.integers(-1000, 1000) | st.floats(-1e6, 1e6), st.integers(-1000, 1000))
def test_bounds_agree_with_comparison(observed: float, bound: int) -> None:
    assert (coerce({"at_least": bound}).failures("days", observed) == []) == (observed >= bound)
    assert (coerce({"at_most": bound}).failures("days", observed) == []) == (observed <= bound)


@pytest.mark.parametrize(
    "text",
    [
        '[[check]]\nid = "a"\ntype = "x\\n\\ny"\ndescription = "d"\n',
        '"k\\nk" = 1\n',
        '[settings]\n"\\u001b[31mred" = 1\n',
    ],
)
def test_config_errors_stay_one_line_whatever_the_file_quotes(text: str, tmp_path: Path) -> None:
    """Keys and values quoted back from the file cannot split the message or colour a terminal
    (the CLI makes a user error's text safe where it prints it)."""
    with pytest.raises(ConfigError):
        parse_config(text, Path("checks.toml"), {})
    path = tmp_path / "checks.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = cli(["validate", "--config", str(path)])
    assert code == 2 and err.startswith("infra-checker: checks.toml: ")
    assert "\n" not in err.removesuffix("\n") and "\x1b" not in err


# --- judging and reporting never crash on what a service sent ---------------------------------

OUTSIDE_TEXT = st.text(max_size=200) | st.sampled_from(
    ["\x1b[31mred", "@octocat #1", "<!-- x -->", "| a | b |", "\u202eevil", "```", "\ud800"]
)
finite_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | OUTSIDE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(OUTSIDE_TEXT, inner, max_size=4),
    max_leaves=10,
)


def _http_check(expect: dict[str, Any]) -> Any:
    text = '[[check]]\nid = "c"\ntype = "http.status"\ndescription = "d"\nurl = "http://127.0.0.1:9/"\n'
    config = parse_config(text, Path("checks.toml"), {})
    check = config.checks[0]
    return replace(check, expect={**check.expect, **{k: coerce(v) for k, v in expect.items()}})


@PROPERTY
@given(
    st.dictionaries(st.sampled_from(["status", "body", "final_url"]), matchers, max_size=3),
    st.dictionaries(st.sampled_from(["status", "body", "final_url", "extra"]), observed_values),
)
def test_judge_never_raises(expect: dict[str, Any], values: dict[str, Any]) -> None:
    status, message = judge(_http_check(expect), Observation(values=values))
    assert status in (Status.OK, Status.DRIFT, Status.ERROR) and isinstance(message, str)
    if "status" not in values:
        assert status is Status.ERROR  # the check did not report a field it is judged on


@PROPERTY
@given(
    st.lists(
        st.tuples(st.sampled_from(list(Status)), OUTSIDE_TEXT, finite_values, OUTSIDE_TEXT),
        min_size=1,
        max_size=4,
    )
)
def test_every_report_format_renders_any_outside_text(rows: list[tuple[Any, ...]]) -> None:
    results = tuple(
        Result(
            id=f"c-{n}",
            type="http.status",
            status=status,
            message=message,
            observed={"value": observed},
            evidence=(Evidence(source="GET x", excerpt=excerpt),),
        )
        for n, (status, message, observed, excerpt) in enumerate(rows)
    )
    report = RunReport(started_at=utcnow(), duration_s=1.0, results=results)
    data = json.loads(render_json(report), parse_constant=_reject)  # strict JSON
    assert [r["id"] for r in data["results"]] == [r.id for r in results]
    text = render_text(report, colour=False, width=100)
    assert "\x1b" not in text and "\u202e" not in text
    assert isinstance(render_markdown(report), str)


def _reject(constant: str) -> Any:
    raise ValueError(f"{constant} in the JSON report")


CHECK_SAMPLES = {
    "http.status": st.fixed_dictionaries(
        {"url": st.sampled_from(["https://mybinder.org/", "http://127.0.0.1:8080/x"])},
        optional={"expected_status": st.integers(100, 599) | st.lists(st.integers(100, 599))},
    ),
    "quay.repository": st.fixed_dictionaries(
        {"repository": st.just("jupyterhub/repo2docker")},
        optional={"public": st.booleans(), "tag": st.just("latest")},
    ),
    "dns.nameservers": st.fixed_dictionaries(
        {"zone": st.just("mybinder.org")},
        optional={"nameservers": st.lists(st.just("ns1.example.org"), min_size=1)},
    ),
    "whois.expiry": st.fixed_dictionaries(
        {"domain": st.just("mybinder.org")}, optional={"days": st.integers(1, 400)}
    ),
}


@st.composite
def valid_checks(draw: st.DrawFn, ident: str) -> dict[str, Any]:
    type_name = draw(st.sampled_from(sorted(set(CHECK_SAMPLES) & set(TYPES))))
    fields = sorted(registry()[type_name].fields)
    return {
        "id": ident,
        "type": type_name,
        "description": draw(TOML_TEXT.filter(str.strip)),
        **draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "doc": TOML_TEXT,
                    "tags": st.lists(TOML_TEXT, max_size=2),
                    "enabled": st.just(True),
                    "expect": st.dictionaries(st.sampled_from(fields), toml_matchers, max_size=2),
                },
            )
        ),
        **draw(CHECK_SAMPLES[type_name]),  # type: ignore[arg-type]
    }


valid_documents = st.fixed_dictionaries(
    {},
    optional={
        "settings": st.fixed_dictionaries(
            {},
            optional={
                "timeout": st.floats(0.1, 100) | st.integers(1, 100),
                "concurrency": st.integers(1, 64),
                "retries": st.integers(0, 10),
                "retry_backoff": st.floats(0, 10),
                "max_response_bytes": st.integers(1, 10**9),
                "endpoints": st.fixed_dictionaries(
                    {},
                    optional={
                        "quay": st.just("https://quay.example.org"),
                        "dns_resolvers": st.lists(st.sampled_from(["1.1.1.1", "[::1]:53"])),
                        "whois_server": st.sampled_from(["whois.example.org", "127.0.0.1:43"]),
                    },
                ),
            },
        ),
        "issues": st.fixed_dictionaries(
            {},
            optional={
                "enabled": st.booleans(),
                "repository": st.just("jupyterhub/infra-checks"),
                "labels": st.lists(st.sampled_from(["infra-drift", "ops"]), min_size=1),
                "max_new": st.integers(0, 100),
            },
        ),
        "check": st.lists(
            st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True),
            min_size=1,
            max_size=4,
            unique=True,
        ).flatmap(lambda ids: st.tuples(*(valid_checks(i) for i in ids)).map(list)),
    },
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(valid_documents | documents)
def test_the_json_schema_accepts_every_config_that_loads(doc: dict[str, Any]) -> None:
    """Editors validate checks.toml with `infra-checker schema`: it must not flag a valid file."""
    text = dump_toml(doc)
    assume(load_or_config_error(text) is not None)
    data = json.loads(json.dumps(tomllib.loads(text), default=str))
    _schema().validate(data)


@functools.cache
def _schema() -> Any:
    import jsonschema

    from checker.engine.schema import config_schema_json

    schema = json.loads(config_schema_json())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_property_sees_valid_configs() -> None:
    """The property above is vacuous if no generated document loads: one that must."""
    text = '[settings]\ntimeout = 5\n[[check]]\nid = "a"\ntype = "http.status"\n'
    text += 'description = "d"\nurl = "https://mybinder.org/"\nexpect.status = 200\n'
    assert load_or_config_error(text) is not None
    _schema().validate(tomllib.loads(text))


@PROPERTY
@given(valid_documents)
def test_every_well_typed_document_loads(doc: dict[str, Any]) -> None:
    """What the reference says is valid loads (and keeps the schema property above honest)."""
    text = dump_toml(doc)
    try:
        parse_config(text, Path("checks.toml"), {})
    except ConfigError as exc:
        raise AssertionError(f"{exc}\n{text}") from None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[settings]\nretries = false\n", "retries"),
        ("[settings]\ntimeout = true\n", "timeout"),
        ("[issues]\nenabled = 1\n", "enabled"),
        (
            '[[check]]\nid = "a"\ntype = "http.status"\ndescription = "d"\n'
            'url = "https://mybinder.org/"\nexpected_status = true\n',
            "expected_status",
        ),
    ],
)
def test_values_of_the_wrong_toml_type_are_config_errors(text: str, key: str) -> None:
    """Found by the schema property: pydantic's lax mode read `false` as 0 and `true` as 1,
    so a file the JSON Schema rejects loaded and ran with a number nobody wrote."""
    with pytest.raises(ConfigError, match=f'key "{key}[."]'):
        parse_config(text, Path("checks.toml"), {})
