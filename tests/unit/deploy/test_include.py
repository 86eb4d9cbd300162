"""The AWS::Include transform's pure part: which Locations a template includes, and how
snippets are put in place (a whole value, or merged beside other keys)."""

from __future__ import annotations

from typing import Any

import pytest

from tenku.deploy.errors import TemplateError
from tenku.deploy.include import expand_includes, include_locations, parse_snippet


def include(location: Any) -> dict[str, Any]:
    return {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": location}}}


def test_locations_in_order_without_repeats_and_other_transforms_ignored() -> None:
    template = {
        "Resources": {
            "A": {"Properties": {"Body": include("s3://b/one.yaml")}},
            "B": {"Properties": {"Body": include("s3://b/two.json")}},
            "C": {"Properties": {"Body": [include("s3://b/one.yaml")]}},
            "D": {"Properties": {"Body": {"Fn::Transform": {"Name": "MyMacro"}}}},
        }
    }
    assert include_locations(template) == ["s3://b/one.yaml", "s3://b/two.json"]


@pytest.mark.parametrize(
    "location", ["./api.yaml", "s3://bucket-only", "s3:///key", "", None, {"Ref": "Where"}]
)
def test_a_location_that_is_no_s3_uri_is_refused(location: Any) -> None:
    with pytest.raises(TemplateError, match="The location parameter is not a valid S3 uri"):
        include_locations({"Resources": {"A": include(location)}})


def test_snippets_replace_values_and_merge_beside_keys_as_copies() -> None:
    snippet = {"openapi": "3.0.1", "paths": {}}
    merged = {"Extra": {"Type": "AWS::SQS::Queue"}}
    template = {
        "Resources": {
            "Main": {"Type": "AWS::SQS::Queue"},
            **include("s3://b/merged.yaml"),
            "Api": {"Properties": {"Body": include("s3://b/api.yaml")}},
            "Api2": {"Properties": {"Body": include("s3://b/api.yaml")}},
        }
    }
    snippets = {"s3://b/api.yaml": snippet, "s3://b/merged.yaml": merged}
    expanded = expand_includes(template, snippets)
    assert set(expanded["Resources"]) == {"Main", "Extra", "Api", "Api2"}
    assert expanded["Resources"]["Api"]["Properties"]["Body"] == snippet
    body, body2 = (expanded["Resources"][n]["Properties"]["Body"] for n in ("Api", "Api2"))
    assert body is not snippet and body is not body2  # the SAM translator edits in place


def test_a_scalar_snippet_cannot_merge_into_a_mapping() -> None:
    template = {"Resources": {"Main": {}, **include("s3://b/x")}}
    with pytest.raises(TemplateError, match="should be valid Yaml/JSON"):
        expand_includes(template, {"s3://b/x": "just text"})


def test_snippets_are_json_or_yaml_with_short_forms() -> None:
    assert parse_snippet('{"a": [1]}') == {"a": [1]}
    assert parse_snippet("a: !Ref B\n") == {"a": {"Ref": "B"}}
    with pytest.raises(TemplateError, match="should be valid Yaml/JSON"):
        parse_snippet("a: [1\n")
