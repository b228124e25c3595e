"""What ``coverage`` and ``validate`` print, judged as the runner judges it inside GitHub Actions.

The document's text, its file name and a service's error body are outside text: none of it may
form a workflow command (tests/actions_runner.py emulates the runner's parser, both the ``::``
and the legacy ``##[`` syntax), and a token the contents API echoes back never appears. The
JSON form is the same data, with no raw C1 or bidi character; a suggestion is TOML that
gives back the document's words.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from checker.outputs.escape import strip_controls
from tests.actions_runner import Command, Runner
from tests.helpers import cli
from tests.world import World
from tests.world.github import TEAM_PAGE, TOKEN

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ACTIONS = {"GITHUB_ACTIONS": "true"}
ECHO = b'{"message": "Bad credentials: {authorization}", "error": "{authorization}"}'
PAGE_URL = f"https://github.com/{TEAM_PAGE[0]}/blob/{TEAM_PAGE[1]}/{TEAM_PAGE[2]}"
HEADING = "GitHub ##[error]head1 ##[add-mask]x"
SENTENCE = "The repository mybinder.org is ours ##[error]sent1 ::error::start"
HOSTILE_PAGE = (
    f"# Page\n\n## {HEADING}\n\n{SENTENCE.replace('mybinder.org', '`mybinder.org`')}\n\n"
    "##[warning]para ::notice::x\n"
)
# Characters a terminal obeys: DEL, C1 (U+009B is CSI), bidi overrides and isolates.
UNSAFE_CHARACTERS = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _commands(out: str, err: str) -> list[Command]:
    """Every command the runner would process, reading both pipes in either order."""
    found: list[Command] = []
    for streams in ((out, err), (err, out)):
        runner = Runner()
        for text in streams:
            runner.feed(text)
        found += runner.processed
    return found


def _hostile(tmp_path: Path) -> tuple[Path, Path]:
    """checks.toml and a page whose words and file name all try to be workflow commands."""
    folder = tmp_path / "##[error]dir \u202e\x9b31m"
    folder.mkdir()
    page = folder / "##[error]name.md"
    page.write_text(HOSTILE_PAGE, encoding="utf-8")
    config = tmp_path / "checks.toml"
    config.write_text('[document]\npath = "page.md"\n', encoding="utf-8")
    return config, page


@pytest.mark.parametrize("mode", [["-f", "text"], ["-f", "json"], ["--suggest"]])
def test_no_document_text_or_file_name_forms_a_workflow_command_in_coverage(
    tmp_path: Path, mode: list[str]
) -> None:
    config, page = _hostile(tmp_path)
    code, out, err = cli(["coverage", "-c", str(config), "--document", str(page), *mode], ACTIONS)
    assert code == 0, err
    assert "mybinder.org" in out and "head1" in out  # the mentions are there, only inert
    assert _commands(out, err) == []
    assert not UNSAFE_CHARACTERS.search(out + err)


def test_coverage_json_is_the_same_data_with_no_legacy_command_or_raw_control(
    tmp_path: Path,
) -> None:
    config, page = _hostile(tmp_path)
    code, out, err = cli(["coverage", "-c", str(config), "--document", str(page), "-f", "json"])
    assert code == 0, err
    assert "##[" not in out and not UNSAFE_CHARACTERS.search(out)
    data = json.loads(out)
    assert data["document"]["source"] == str(page)
    found = {(u["kind"], u["value"], u["anchor"]) for u in data["uncovered"]}
    assert ("domain", "mybinder.org", "github-errorhead1-add-maskx") in found
    assert ("heading", HEADING, "github-errorhead1-add-maskx") in found


def test_a_suggestion_is_toml_that_gives_back_the_sentence_and_validates(tmp_path: Path) -> None:
    config, page = _hostile(tmp_path)
    argv = ["coverage", "-c", str(config), "--document", str(page), "--suggest"]
    code, suggestions, err = cli(argv, ACTIONS)
    assert code == 0, err
    assert "##[" not in suggestions
    (check,) = tomllib.loads(suggestions)["check"]
    assert check["name"] == "mybinder.org" and check["doc"] == "#github-errorhead1-add-maskx"
    assert check["quote"] == SENTENCE and check["description"] == SENTENCE
    comments = [line for line in suggestions.splitlines() if line.startswith("#")]
    assert any("head1" in line for line in comments)  # the unbound heading, named inertly
    config.write_text(config.read_text("utf-8") + suggestions, "utf-8")
    code, out, err = cli(["validate", "-c", str(config), "--document", str(page)], ACTIONS)
    assert code == 0, err
    assert _commands(out, err) == []


def test_validate_says_the_document_path_inertly(tmp_path: Path) -> None:
    config, page = _hostile(tmp_path)
    config.write_text(
        config.read_text("utf-8")
        + '[[check]]\nid = "site"\ntype = "dns.record"\nname = "mybinder.org"\n'
        'description = "d"\ndoc = "#github-errorhead1-add-maskx"\nquote = "is ours"\n',
        "utf-8",
    )
    code, out, err = cli(["validate", "-c", str(config), "--document", str(page)], ACTIONS)
    assert code == 0, err
    assert "name.md" in out
    assert _commands(out, err) == []
    assert not UNSAFE_CHARACTERS.search(out + err)


def test_validate_says_the_config_path_inertly(tmp_path: Path) -> None:
    _, page = _hostile(tmp_path)
    config = page.parent / "##[error]checks.toml"
    config.write_text(
        '[[check]]\nid = "site"\ntype = "dns.record"\nname = "mybinder.org"\ndescription = "d"\n',
        "utf-8",
    )
    code, out, err = cli(["validate", "-c", str(config)], ACTIONS)
    assert code == 0, err
    assert "checks.toml: 1 check, valid" in out
    assert _commands(out, err) == []
    assert not UNSAFE_CHARACTERS.search(out + err)


def test_a_broken_quote_is_annotated_by_our_commands_only(tmp_path: Path) -> None:
    config, page = _hostile(tmp_path)
    config.write_text(
        config.read_text("utf-8")
        + '[[check]]\nid = "site"\ntype = "dns.record"\nname = "mybinder.org"\n'
        'description = "d"\ndoc = "#github-errorhead1-add-maskx"\n'
        'quote = "gone \\u0023#[error]q1 ::error::q2"\n',
        "utf-8",
    )
    env = {**ACTIONS, "GITHUB_WORKSPACE": str(tmp_path)}
    code, out, err = cli(["validate", "-c", str(config), "--document", str(page)], env)
    assert code == 2 and "gone" in err
    # The quote's line in checks.toml and the page's section, each a command of our own.
    commands = _commands(out, err)
    annotated = {(c.name, c.properties.get("title"), c.properties.get("file")) for c in commands}
    assert annotated == {
        ("error", "document: site", "checks.toml"),
        # (a file name's control and bidi characters do not reach the runner)
        ("error", "document: site", strip_controls(page.relative_to(tmp_path).as_posix())),
    }


@pytest.mark.parametrize(
    ("command", "says"),
    [("validate", "; 1 quote found in "), ("coverage", "\n1 mention in ")],
)
def test_one_is_said_in_the_singular(tmp_path: Path, command: str, says: str) -> None:
    (tmp_path / "page.md").write_text("# Page\n\nSee `example.org`.\n", "utf-8")
    config = tmp_path / "checks.toml"
    config.write_text(
        '[document]\npath = "page.md"\n[[check]]\nid = "web"\ntype = "http.status"\n'
        'url = "https://example.com/"\ndescription = "d"\ndoc = "#page"\nquote = "See"\n',
        "utf-8",
    )
    code, out, err = cli([command, "-c", str(config)])
    assert code == 0, err
    assert says in f"\n{out}", out


@pytest.mark.parametrize("command", [["coverage"], ["coverage", "-f", "json"], ["validate"]])
def test_a_token_the_contents_api_echoes_is_never_printed(
    world: World, tmp_path: Path, command: list[str]
) -> None:
    for status in (401, 500):
        world.github.inject("status", status=status, body=ECHO, path_prefix="/repos", times=1)
    world.github.inject("status", status=401, body=ECHO, path_prefix="/repos")
    config = tmp_path / "checks.toml"
    config.write_text(f'[document]\nurl = "{PAGE_URL}"\n', "utf-8")
    env = {**world.env(), **ACTIONS, "GITHUB_TOKEN": TOKEN}
    code, out, err = cli([command[0], "-c", str(config), *command[1:]], env)
    assert code in (2, 3), (out, err)
    sent = [r for r in world.github.requests if "/contents/" in r.path]
    assert sent and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in sent)
    assert TOKEN not in out + err
    assert "***" in err and "HTTP 401" in err
    assert _commands(out, err) == []
