"""The generic patch applier API Gateway's Update* operations share."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.core.errors import ServiceError
from tenku.services.apigateway.patch import MAP, SET, apply_patch, escape, rule, split_path

RULES = (
    rule("/name"),
    rule("/enabled", kind="boolean"),
    rule("/size", kind="integer"),
    rule("/rate", kind="number"),
    rule("/types/*", "add remove replace", container=SET),
    rule("/variables/*", "add remove replace", container=MAP),
    rule("/flags/*", "add remove", kind="boolean", container=MAP),
    rule("/settings", "remove"),
    rule("/settings/format"),
    rule(
        "/**/*/throttling/burstLimit",
        kind="integer",
        target=lambda s: ("methodSettings", "/".join(s[:-3]).lstrip("/") + "/" + s[-3], "burst"),
    ),
)


def op(op: str, path: str, value: Any = None) -> dict[str, Any]:
    return {"op": op, "path": path, **({} if value is None else {"value": value})}


def test_replace_typed_scalars() -> None:
    doc = apply_patch(
        {"name": "a"},
        [
            op("replace", "/name", "b"),
            op("replace", "/enabled", "TRUE"),
            op("replace", "/size", "12"),
            op("replace", "/rate", "2.5"),
        ],
        RULES,
    )
    assert doc == {"name": "b", "enabled": True, "size": 12, "rate": 2.5}


def test_original_document_is_never_changed() -> None:
    original = {"name": "a", "types": ["x"]}
    apply_patch(original, [op("replace", "/name", "b"), op("add", "/types/y")], RULES)
    assert original == {"name": "a", "types": ["x"]}


def test_set_items_live_in_the_path_with_escapes() -> None:
    doc: dict[str, Any] = {"types": ["image/png"]}
    doc = apply_patch(doc, [op("add", "/types/" + escape("application/octet-stream"))], RULES)
    assert doc["types"] == ["image/png", "application/octet-stream"]
    doc = apply_patch(doc, [op("replace", "/types/image~1png", "image/gif")], RULES)
    assert doc["types"] == ["application/octet-stream", "image/gif"]
    doc = apply_patch(
        doc,
        [op("remove", "/types/application~1octet-stream"), op("remove", "/types/image~1gif")],
        RULES,
    )
    assert "types" not in doc


def test_map_entries() -> None:
    doc = apply_patch(
        {}, [op("add", "/variables/stage", "dev"), op("add", "/flags/x", "true")], RULES
    )
    assert doc == {"variables": {"stage": "dev"}, "flags": {"x": True}}
    doc = apply_patch(
        doc, [op("remove", "/variables/stage"), op("remove", "/variables/none")], RULES
    )
    assert doc["variables"] == {}


def test_remove_a_whole_member_and_replace_below_it() -> None:
    doc = apply_patch({}, [op("replace", "/settings/format", "$context.requestId")], RULES)
    assert doc == {"settings": {"format": "$context.requestId"}}
    assert apply_patch(doc, [op("remove", "/settings")], RULES) == {}


def test_leading_double_star_takes_any_resource_path() -> None:
    doc = apply_patch(
        {},
        [
            op("replace", "/*/*/throttling/burstLimit", "5"),
            op("replace", "/~1pets~1{id}/GET/throttling/burstLimit", "7"),
            op("replace", "/pets/items/POST/throttling/burstLimit", "9"),
        ],
        RULES,
    )
    assert doc["methodSettings"] == {
        "*/*": {"burst": 5},
        "pets/{id}/GET": {"burst": 7},
        "pets/items/POST": {"burst": 9},
    }


def test_unknown_path_lists_the_allowed_ones_for_the_op() -> None:
    with pytest.raises(ServiceError) as caught:
        apply_patch({}, [op("replace", "/nope", "x")], RULES)
    assert caught.value.code == "BadRequestException" and caught.value.status == 400
    assert caught.value.message.startswith(
        "Invalid patch path  '/nope' specified for op 'replace'. Must be one of: [/name, /enabled"
    )


def test_known_path_with_an_unsupported_op() -> None:
    with pytest.raises(ServiceError) as caught:
        apply_patch({}, [op("add", "/name", "x")], RULES)
    assert caught.value.message == (
        "Invalid patch path  '/name' specified for op 'add'. Please choose supported operations"
    )


@pytest.mark.parametrize(
    ("path", "value", "kind"),
    [("/enabled", "yes", "boolean"), ("/size", "ten", "integer"), ("/rate", "nan", "number")],
)
def test_bad_typed_values(path: str, value: str, kind: str) -> None:
    with pytest.raises(ServiceError) as caught:
        apply_patch({}, [op("replace", path, value)], RULES)
    assert caught.value.message.endswith(f"Must be a{'n' if kind == 'integer' else ''} {kind}")


def test_a_failing_operation_leaves_nothing_half_done() -> None:
    original = {"name": "a"}
    with pytest.raises(ServiceError):
        apply_patch(original, [op("replace", "/name", "b"), op("replace", "/size", "x")], RULES)
    assert original == {"name": "a"}


def test_path_without_leading_slash_is_refused() -> None:
    with pytest.raises(ServiceError):
        apply_patch({}, [op("replace", "name", "x")], RULES)


def test_split_path_unescapes_segments() -> None:
    assert split_path("/a~1b/c~0d") == ("a/b", "c~d")
