"""The matcher vocabulary: each operator, its normalisation, and the sentences it writes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from checker.engine.matchers import Matcher, coerce


def fails(matcher: dict[str, Any], observed: Any, name: str = "value") -> list[str]:
    return coerce(matcher).failures(name, observed)


@pytest.mark.parametrize(
    ("matcher", "observed"),
    [
        ({"equals": 200}, 200),
        ({"equals": 1.0}, 1),
        ({"equals": "Bluehost Inc."}, "BLUEHOST INC"),
        ({"equals": True}, True),
        ({"equals": ["a.example.", "B.example"]}, ["A.example", "b.example."]),
        ({"one_of": [200, 301]}, 301),
        ({"one_of": ["ACTIVE"]}, "active"),
        ({"contains": "bluehost"}, "Bluehost Inc."),
        ({"contains": ["Bluehost", "FastDomain"]}, "FastDomain Inc."),
        ({"contains": "cloudflare"}, ["ns1.example", "lara.ns.cloudflare.com"]),
        ({"matches": r"^\d{4}-"}, "2027-01-01"),
        (
            {"all_match": r"\.ns\.cloudflare\.com$"},
            ["lara.ns.cloudflare.com", "greg.ns.cloudflare.com"],
        ),
        ({"set_equals": ["B.ns.example.", "a.ns.example"]}, ["a.ns.example", "b.ns.example"]),
        ({"includes": ["repo2docker"]}, ["k8s-hub", "Repo2Docker"]),
        ({"at_least": 30}, 30),
        ({"at_most": 5}, 4.5),
        ({"at_least": 2, "at_most": 4}, 3),
    ],
)
def test_matching_values_pass(matcher: dict[str, Any], observed: Any) -> None:
    assert fails(matcher, observed) == []


@pytest.mark.parametrize(
    ("matcher", "observed", "sentence"),
    [
        ({"equals": 200}, 404, "expected value to equal 200, observed 404"),
        ({"equals": True}, 1, "expected value to equal true, observed 1"),
        ({"equals": 1}, True, "expected value to equal 1, observed true"),
        ({"equals": ["a"]}, ["a", "b"], 'expected value to equal ["a"], observed ["a", "b"]'),
        ({"one_of": [200, 301]}, 500, "expected value to be one of [200, 301], observed 500"),
        (
            {"contains": ["Bluehost", "FastDomain"]},
            "GoDaddy.com, LLC",
            'expected value to contain one of ["Bluehost", "FastDomain"], '
            'observed "GoDaddy.com, LLC"',
        ),
        ({"contains": "x"}, None, 'expected value to contain "x", observed null'),
        ({"matches": "^a"}, "ba", 'expected value to match /^a/, observed "ba"'),
        ({"matches": "^a"}, 3, "expected value to match /^a/, observed 3"),
        (
            {"all_match": "cloudflare"},
            ["x.cloudflare.com", "ns1.dnsimple.com"],
            'expected value to only have items matching /cloudflare/, but ["ns1.dnsimple.com"] '
            "of the 2 observed do not",
        ),
        (
            {"all_match": "cloudflare"},
            ["ns1.dnsimple.com"],
            "expected value to only have items matching /cloudflare/, "
            'observed ["ns1.dnsimple.com"] (no item matches)',
        ),
        ({"all_match": "cloudflare"}, [], "expected value to be a non-empty list"),
        ({"all_match": "cloudflare"}, "x.cloudflare.com", "expected value to be a list"),
        ({"set_equals": ["a", "b"]}, ["a", "c"], 'missing ["b"]; unexpected ["c"]'),
        ({"set_equals": ["a"]}, "a", 'expected value to be the set ["a"], observed "a"'),
        ({"includes": ["a", "b"]}, ["a"], 'include ["a", "b"] (missing ["b"])'),
        ({"at_least": 30}, 12, "expected value to be at least 30, observed 12"),
        ({"at_least": 30}, "40", 'expected value to be at least 30, observed "40"'),
        ({"at_most": 1}, True, "expected value to be at most 1, observed true"),
    ],
)
def test_failures_are_sentences(matcher: dict[str, Any], observed: Any, sentence: str) -> None:
    found = fails(matcher, observed)
    assert len(found) == 1
    assert sentence in found[0]


def test_an_all_match_failure_names_each_value_once() -> None:
    observed = ["a.ns.cloudflare.com", "ns1.dnsimple.com", "b.ns.cloudflare.com"]
    [sentence] = fails({"all_match": r"\.ns\.cloudflare\.com$"}, observed)
    assert sentence.count("ns1.dnsimple.com") == 1 and "a.ns.cloudflare.com" not in sentence


def test_every_failing_operator_is_reported() -> None:
    assert len(fails({"at_least": 5, "at_most": 1}, 3)) == 2


def test_unhashable_items_do_not_raise() -> None:
    assert fails({"set_equals": ["a"]}, [{"a": 1}])
    assert fails({"includes": ["a"]}, [["a"]])


def test_shorthand_scalar_means_equals() -> None:
    assert coerce(200).describe() == {"equals": 200}


@pytest.mark.parametrize(
    "bad",
    [{}, {"equal": 1}, {"matches": "("}, {"at_least": "3"}, {"one_of": "x"}, {"contains": 3}],
)
def test_invalid_matchers_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Matcher.model_validate(bad)
