"""A REST API body without `info.title` takes the resource's `Name`, as CloudFormation does."""

from __future__ import annotations

import json

from tenku.deploy.resources.apigateway import titled


def test_a_json_body_without_title_takes_the_name() -> None:
    body = json.dumps({"swagger": "2.0", "paths": {"/": {}}}).encode()
    document = json.loads(titled(body, "MyApi"))
    assert document["info"] == {"title": "MyApi"}
    assert document["paths"] == {"/": {}}


def test_a_yaml_body_without_title_keeps_its_other_info() -> None:
    body = b"openapi: 3.0.1\ninfo:\n  version: '1.0'\npaths: {}\n"
    assert json.loads(titled(body, "Named"))["info"] == {"version": "1.0", "title": "Named"}


def test_a_title_in_the_body_is_kept() -> None:
    body = b'{"swagger": "2.0", "info": {"title": "Own"}}'
    assert titled(body, "Other") == body


def test_without_a_name_the_body_goes_as_it_is() -> None:
    body = b'{"swagger": "2.0"}'
    assert titled(body, None) == body
    assert titled(b"not: [valid", "Name") == b"not: [valid"
