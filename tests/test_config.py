"""checks.toml validation: every class of bad input is one readable paragraph and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.engine.config import parse_config
from checker.errors import ConfigError
from tests.helpers import cli

GOOD_CHECK = """
[[check]]
id = "binder-home"
type = "http.status"
description = "mybinder.org answers"
doc = "shared-infrastructure.md#mybinder-org-infrastructure"
url = "https://mybinder.org/"
"""


def error_for(text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("checks.toml"), env or {})
    return str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[check]\nid = 1", "checks.toml: invalid TOML: "),
        (
            "[settings]\ntimeout = 5\n[nonsense]\n",
            'checks.toml: unknown key "nonsense" at top level',
        ),
        (GOOD_CHECK + "expectt = 3\n", 'checks.toml: check "binder-home": unknown key "expectt"'),
        (
            GOOD_CHECK.replace('id = "binder-home"\n', ""),
            'checks.toml: check #1: missing required key "id"',
        ),
        (
            GOOD_CHECK.replace('type = "http.status"\n', ""),
            'check "binder-home": missing required key "type"',
        ),
        (
            GOOD_CHECK.replace("binder-home", "Binder_Home"),
            'check "Binder_Home": key "id": must be kebab-case',
        ),
        (
            GOOD_CHECK.replace("binder-home", "binder-" + "home" * 15),
            'key "id": must be at most 64 characters',
        ),
        (GOOD_CHECK + GOOD_CHECK, 'check "binder-home": duplicate id'),
        (
            GOOD_CHECK.replace("http.status", "http.nope"),
            'key "type": unknown check type "http.nope"',
        ),
        (
            GOOD_CHECK.replace('url = "https://mybinder.org/"', "url = 42"),
            'check "binder-home": key "url"',
        ),
        (
            GOOD_CHECK.replace('url = "https://mybinder.org/"', ""),
            'check "binder-home": missing required key "url"',
        ),
        ('[settings]\ntimeout = "soon"\n', 'checks.toml: [settings]: key "timeout"'),
        ("[settings]\nconcurrency = 0\n", 'checks.toml: [settings]: key "concurrency"'),
        (
            '[settings.endpoints]\nquay = "ftp://x"\n',
            "key \"endpoints.quay\": 'ftp://x' is not an http(s) URL",
        ),
        ('[issues]\nrepository = "no-slash"\n', 'checks.toml: [issues]: key "repository"'),
        ('[issues]\nrepository = "o/r\\n"\n', 'checks.toml: [issues]: key "repository"'),
        (
            GOOD_CHECK + "expect.bogus = { equals = 1 }\n",
            'unknown key "expect.bogus" (http.status observes: status',
        ),
        (
            GOOD_CHECK + "expect.status = {}\n",
            'check "binder-home": key "expect.status": a matcher needs at least one of',
        ),
        (GOOD_CHECK + "expect.status = { equal = 200 }\n", 'unknown key "expect.status.equal"'),
        (GOOD_CHECK + 'expect.body = { matches = "(" }\n', "invalid regular expression"),
        (GOOD_CHECK + 'enabled = "yes"\n', 'key "enabled": must be true or false'),
        (GOOD_CHECK + 'tags = "web"\n', 'key "tags": must be a list of strings'),
        ("check = 3\n", "checks must be written as [[check]] tables"),
    ],
)
def test_config_errors_name_file_check_and_key(text: str, expected: str) -> None:
    message = error_for(text)
    assert expected in message
    assert "\n" not in message.strip() or message.startswith("checks.toml: invalid TOML")


def test_toml_syntax_error_gives_line_number() -> None:
    message = error_for('[settings]\ntimeout = 5\n\n[[check]]\nid = "x\n')
    assert "line 5" in message


def test_environment_overrides_win_over_the_file() -> None:
    config = parse_config(
        '[settings.endpoints]\nquay = "https://quay.example"\ngithub_api = "https://gh.example/api/v3"\n',
        Path("checks.toml"),
        {
            "CHECKER_QUAY_URL": "http://127.0.0.1:9000",
            "CHECKER_DNS_RESOLVERS": "127.0.0.1:5353, [::1]:53,10.0.0.1",
            "CHECKER_WHOIS_SERVER": "127.0.0.1:4343",
            "GITHUB_API_URL": "http://127.0.0.1:9001",
        },
    )
    endpoints = config.settings.endpoints
    assert endpoints.quay == "http://127.0.0.1:9000"
    assert endpoints.github_api == "http://127.0.0.1:9001"
    assert endpoints.resolver_addresses() == [("127.0.0.1", 5353), ("::1", 53), ("10.0.0.1", 53)]
    assert endpoints.whois_address() == ("127.0.0.1", 4343)


def test_bad_environment_override_is_named() -> None:
    message = error_for("", {"CHECKER_DNS_RESOLVERS": "resolver.example"})
    assert "a resolver must be an IP address" in message
    assert "CHECKER_DNS_RESOLVERS" in message


def test_defaults_and_user_expectations_merge() -> None:
    config = parse_config(
        GOOD_CHECK + 'expect.body = { contains = "Binder" }\n', Path("c.toml"), {}
    )
    check = config.checks[0]
    assert check.expected_json() == {"status": {"one_of": [200]}, "body": {"contains": "Binder"}}


def test_disabled_checks_are_skipped() -> None:
    config = parse_config(GOOD_CHECK + "enabled = false\n", Path("c.toml"), {})
    assert config.checks == ()
    assert config.disabled_ids == ("binder-home",)


def test_a_disabled_check_still_owns_its_id() -> None:
    with pytest.raises(ConfigError, match='check "binder-home": duplicate id'):
        parse_config(GOOD_CHECK + "enabled = false\n" + GOOD_CHECK, Path("c.toml"), {})
    with pytest.raises(ConfigError, match="a disabled check still needs its kebab-case id"):
        parse_config("[[check]]\nenabled = false\n", Path("c.toml"), {})


def test_cli_config_error_is_exit_2_one_paragraph_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "checks.toml"
    path.write_text(GOOD_CHECK + "expectt = 3\n")
    for command in ("run", "validate", "list"):
        code, out, err = cli([command, "--config", str(path)])
        assert code == 2
        assert out == ""
        assert (
            err.strip() == 'infra-checker: checks.toml: check "binder-home": unknown key "expectt"'
        )


def test_cli_missing_file(tmp_path: Path) -> None:
    code, _, err = cli(["validate", "--config", str(tmp_path / "absent.toml")])
    assert code == 2
    assert "absent.toml: file not found" in err
    assert "Traceback" not in err
