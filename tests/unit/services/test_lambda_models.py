"""Pure Lambda logic: function references, validation, timestamps, paging, safe unzip."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.core.scope import Scope
from tenku.services.lambda_ import code, models

SCOPE = Scope("000000000000", "us-east-1")


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ServiceError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value.code


@pytest.mark.parametrize(
    "text, qualifier, expected",
    [
        ("fn", None, (SCOPE, "fn", None)),
        ("fn:live", None, (SCOPE, "fn", "live")),
        ("fn:$LATEST", None, (SCOPE, "fn", "$LATEST")),
        ("fn", "3", (SCOPE, "fn", "3")),
        ("123456789012:function:fn", None, (Scope("123456789012", "us-east-1"), "fn", None)),
        (
            "arn:aws:lambda:eu-west-1:123456789012:function:fn:7",
            None,
            (Scope("123456789012", "eu-west-1"), "fn", "7"),
        ),
        ("arn:aws:lambda:us-east-1:000000000000:function:fn", "7", (SCOPE, "fn", "7")),
    ],
)
def test_function_refs(text: str, qualifier: str | None, expected: tuple[Any, ...]) -> None:
    assert tuple(models.parse_function_ref(SCOPE, text, qualifier)) == expected


def test_function_ref_errors() -> None:
    assert code_of(models.parse_function_ref, SCOPE, "bad name") == "ValidationException"
    assert code_of(models.parse_function_ref, SCOPE, "a" * 65) == "ValidationException"
    err = code_of(models.parse_function_ref, SCOPE, "fn:1", "2")
    assert err == "InvalidParameterValueException"
    assert code_of(models.parse_resource_arn, SCOPE, "fn") == "ValidationException"
    arn = "arn:aws:lambda:us-east-1:000000000000:function:fn:live"
    assert code_of(models.parse_resource_arn, SCOPE, arn) == "InvalidParameterValueException"


def test_runtime_and_role_validation() -> None:
    models.validate_runtime("python3.12")
    models.validate_runtime_and_handler("provided.al2023", None)
    with pytest.raises(ServiceError) as excinfo:
        models.validate_runtime("cobol1")
    assert excinfo.value.message.startswith("The runtime parameter of cobol1 is not supported")
    with pytest.raises(ServiceError) as excinfo:
        models.validate_runtime("python2.7")
    assert "no longer supported" in excinfo.value.message
    assert code_of(models.validate_runtime_and_handler, "nodejs20.x", None) == (
        "InvalidParameterValueException"
    )
    models.validate_role("arn:aws:iam::123456789012:role/service-role/x")
    assert code_of(models.validate_role, "arn:aws:iam::1:role/x") == "ValidationException"


def test_limits_and_environment() -> None:
    models.validate_limits(128, 1)
    models.validate_limits(10240, 900)
    for memory, timeout in ((127, None), (10241, None), (None, 0), (None, 901)):
        assert code_of(models.validate_limits, memory, timeout) == "ValidationException"
    assert models.validate_environment({"Variables": {"A": 1}}) == {"A": "1"}
    assert code_of(models.validate_environment, {"Variables": {"1A": "x"}}) == (
        "ValidationException"
    )
    assert code_of(models.validate_environment, {"Variables": {"AWS_REGION": "x"}}) == (
        "InvalidParameterValueException"
    )


def test_timestamp_and_paging() -> None:
    assert models.timestamp(1_795_867_200.5) == "2026-11-28T12:00:00.500+0000"
    items = list(range(5))
    page, marker = models.paginate(items, None, 2)
    assert (page, marker) == ([0, 1], "2")
    page, marker = models.paginate(items, marker, 2)
    assert (page, marker) == ([2, 3], "4")
    assert models.paginate(items, marker, 2) == ([4], None)


def _zip(entries: list[tuple[zipfile.ZipInfo | str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, text in entries:
            archive.writestr(info, text)
    return buffer.getvalue()


def test_unpack_keeps_modes(tmp_path: Path) -> None:
    boot = zipfile.ZipInfo("bootstrap")
    boot.external_attr = (stat.S_IFREG | 0o755) << 16
    data = _zip([(boot, "#!/bin/sh\n"), ("lib/mod.py", "x = 1\n")])
    target = code.unpack(data, tmp_path / "out")
    assert (target / "lib" / "mod.py").read_text() == "x = 1\n"
    assert (target / "bootstrap").stat().st_mode & 0o111
    assert code.unpack(data, target) == target  # already there: left alone


@pytest.mark.parametrize("name", ["../escape.py", "/abs.py", "a/../../b.py", "C:/x.py"])
def test_unpack_refuses_traversal(tmp_path: Path, name: str) -> None:
    with pytest.raises(ServiceError) as excinfo:
        code.unpack(_zip([(name, "x")]), tmp_path / "out")
    assert excinfo.value.code == "InvalidParameterValueException"
    assert not (tmp_path / "out").exists()


def test_unpack_refuses_links_and_garbage(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(ServiceError):
        code.unpack(_zip([(link, "/etc/passwd")]), tmp_path / "out")
    with pytest.raises(ServiceError):
        code.unpack(b"PK\x03\x04garbage", tmp_path / "out")


def test_retired_runtimes_pass_only_for_internal_callers() -> None:
    models.validate_runtime("python3.8", allow_retired=True)
    models.validate_runtime_and_handler("nodejs12.x", "index.handler", allow_retired=True)
    assert models.is_retired("python2.7") and not models.is_retired("python3.12")
    with pytest.raises(ServiceError):
        models.validate_runtime("cobol1", allow_retired=True)
    with pytest.raises(ServiceError):
        models.validate_runtime("python3.8")
