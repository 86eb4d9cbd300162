"""Parameter Store's pure rules: names, selectors, labels, tiers."""

from __future__ import annotations

import pytest

from tenku.core.errors import ServiceError
from tenku.services.ssm import models


@pytest.mark.parametrize("name", ["plain", "/a/b", "/a.b-c_d/e", "a.b", "/" + "/".join("x" * 15)])
def test_good_names(name: str) -> None:
    models.check_name(name)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("AWS-x", "ValidationException"),
        ("/SSM/x", "ValidationException"),
        ("/a/", "ValidationException"),
        ("a b", "ValidationException"),
        ("a/b", "ValidationException"),
        ("/" + "/".join("x" * 16), "HierarchyLevelLimitExceededException"),
        ("x" * 1012, "ValidationException"),
    ],
)
def test_bad_names(name: str, code: str) -> None:
    with pytest.raises(ServiceError) as caught:
        models.check_name(name)
    assert caught.value.code == code


def test_selectors_and_arns() -> None:
    assert models.parse_selector("/a/b:3") == models.Selector("/a/b", 3, None, ":3")
    assert models.parse_selector("/a/b:prod") == models.Selector("/a/b", None, "prod", ":prod")
    assert models.parse_selector("arn:aws:ssm:us-east-1:1:parameter/a/b") == models.Selector("/a/b")
    assert models.strip_arn("arn:aws:ssm:us-east-1:1:parameter/flat") == "flat"
    assert models.parameter_arn("r", "1", "/a/b") == "arn:aws:ssm:r:1:parameter/a/b"


@pytest.mark.parametrize(
    ("label", "valid"),
    [("prod", True), ("v1.2-x_y", True), ("1st", False), ("awsx", False), ("a/b", False),
     ("x" * 101, False)],
)  # fmt: skip
def test_labels(label: str, valid: bool) -> None:
    assert models.label_is_valid(label) is valid


def test_tiers() -> None:
    assert models.effective_tier(None, None, "x") == "Standard"
    assert models.effective_tier("Intelligent-Tiering", None, "x" * 5000) == "Advanced"
    assert models.effective_tier(None, "Advanced", "x") == "Advanced"
    with pytest.raises(ServiceError):
        models.effective_tier("Standard", "Advanced", "x")
    with pytest.raises(ServiceError):
        models.effective_tier("Advanced", None, "x" * 8193)


def test_secure_strings_are_opaque_unless_decrypted() -> None:
    hidden = models.shown_value("SecureString", "pw", None, False)
    assert hidden != "pw" and models.shown_value("SecureString", "pw", None, True) == "pw"
    assert models.shown_value("String", "pw", None, False) == "pw"
