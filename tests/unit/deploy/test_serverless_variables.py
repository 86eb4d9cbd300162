"""serverless.yml variables: every source, fallbacks, nesting, recursion and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tenku.deploy.loader import load_template
from tenku.deploy.serverless import ServerlessError
from tenku.deploy.serverless.variables import Resolver, VariableSources, variables_in

SSM = {"/app/dev/secret": "s3cr3t", "/app/prod/secret": "prod-secret"}
CF = {("other-stack", "QueueUrl", None): "http://queue", ("net", "Vpc", "eu-west-1"): "vpc-1"}


def resolve(
    body: str | dict[str, Any],
    tmp_path: Path,
    options: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    cf: bool = True,
) -> dict[str, Any]:
    config = load_template(body) if isinstance(body, str) else body
    sources = VariableSources(
        service_dir=tmp_path,
        options=options or {},
        env=env or {"HOME_DIR": "/home/me", "COUNT": "3"},
        ssm_lookup=SSM.get,
        cf_lookup=(lambda stack, output, region: CF.get((stack, output, region))) if cf else None,
        account="123456789012",
        instance_id="inst1234",
    )
    return Resolver(config, sources).resolve()


def value(expression: str, tmp_path: Path, **kwargs: Any) -> Any:
    body = {
        "service": "svc",
        "provider": {"name": "aws", "stage": "${opt:stage, 'dev'}", "region": "eu-central-1"},
        "params": {"default": {"domain": "dev.example.com"}, "prod": {"domain": "example.com"}},
        "custom": {
            "stage": "${sls:stage}",
            "dev": {"size": 128, "name": "small"},
            "prod": {"size": 1024, "name": "large"},
            "chain": "${self:custom.link}",
            "link": "${self:custom.dev.name}",
            "list": ["a", "b"],
            "object": {"k": "v"},
        },
        "probe": expression,
    }
    return resolve(body, tmp_path, **kwargs)["probe"]


@pytest.mark.parametrize(
    ("expression", "expected", "options"),
    [
        ("${self:service}", "svc", {}),
        ("${self:custom.dev.size}", 128, {}),  # a whole variable keeps its type
        ("size-${self:custom.dev.size}", "size-128", {}),
        ("${self:custom.list.1}", "b", {}),
        ("${self:custom.object}", {"k": "v"}, {}),
        ("${self:custom.chain}", "small", {}),  # variables pointing at variables
        ("${self:custom.${opt:stage, 'dev'}.name}", "small", {}),  # nesting
        ("${self:custom.${opt:stage, 'dev'}.name}", "large", {"stage": "prod"}),
        ("${opt:stage}", "prod", {"stage": "prod"}),
        ("${opt:stage, 'dev'}", "dev", {}),
        ("${opt:region, 'ap-northeast-1'}", "ap-northeast-1", {}),
        ("${opt:custom-flag}", "on", {"custom-flag": "on"}),
        ("${env:HOME_DIR}/x", "/home/me/x", {}),
        ("${env:MISSING, 'fallback'}", "fallback", {}),
        ("${env:MISSING, ${self:custom.dev.name}}", "small", {}),
        ("${env:MISSING, self:custom.dev.name}", "small", {}),  # v2-style fallback
        ("${env:MISSING, 42}", 42, {}),
        ("${env:MISSING, true}", True, {}),
        ('${env:MISSING, ${env:ALSO_MISSING, "deep"}}', "deep", {}),
        ("${ssm:/app/${sls:stage}/secret}", "s3cr3t", {}),
        ("${ssm:/app/${sls:stage}/secret}", "prod-secret", {"stage": "prod"}),
        ("${ssm(raw):/app/dev/secret}", "s3cr3t", {}),
        ("${sls:stage}", "dev", {}),
        ("${sls:instanceId}", "inst1234", {}),
        ("${aws:region}", "eu-central-1", {}),
        ("${aws:region}", "us-west-2", {"region": "us-west-2"}),
        ("${aws:accountId}", "123456789012", {}),
        ("${cf:other-stack.QueueUrl}", "http://queue", {}),
        ("${cf(eu-west-1):net.Vpc}", "vpc-1", {}),
        ("${param:domain}", "dev.example.com", {}),
        ("${param:domain}", "example.com", {"stage": "prod"}),
        ("${param:domain}", "cli.example.com", {"param": {"domain": "cli.example.com"}}),
        # CloudFormation's own ${} syntax is left for Fn::Sub.
        ("${AWS::Region}-${Table.Arn}-${Name}", "${AWS::Region}-${Table.Arn}-${Name}", {}),
        ("a ${self:custom.dev.name} and ${AWS::StackName}", "a small and ${AWS::StackName}", {}),
    ],
)
def test_sources(expression: str, expected: Any, options: dict[str, Any], tmp_path: Path) -> None:
    assert value(expression, tmp_path, options=options) == expected


def test_files(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "dev.yml").write_text(
        "memory: 256\nnested:\n  arn: !GetAtt Queue.Arn\n  stage: ${sls:stage}\n"
    )
    (tmp_path / "data.json").write_text('{"a": {"b": [1, 2]}}')
    (tmp_path / "list.yml").write_text("- x\n- y\n")
    got = resolve(
        {
            "service": "svc",
            "provider": {"name": "aws"},
            "custom": {
                "memory": "${file(./config/${sls:stage}.yml):memory}",
                "nested": "${file(./config/dev.yml):nested}",
                "whole": "${file(./data.json)}",
                "deep": "${file(./data.json):a.b.1}",
                "list": "${file(./list.yml)}",
                "missing": "${file(./nope.yml), 'none'}",
            },
        },
        tmp_path,
    )["custom"]
    assert got["memory"] == 256
    # Tags in included files keep their CloudFormation meaning; their variables resolve.
    assert got["nested"] == {"arn": {"Fn::GetAtt": ["Queue", "Arn"]}, "stage": "dev"}
    assert got["whole"] == {"a": {"b": [1, 2]}}
    assert got["deep"] == 2
    assert got["list"] == ["x", "y"]
    assert got["missing"] == "none"


def test_variables_inside_intrinsics_resolve(tmp_path: Path) -> None:
    got = resolve(
        "service: svc\nprovider: {name: aws}\ncustom: {region: eu-west-1}\n"
        "out: !Sub 'https://${HttpApi}.execute-api.${self:custom.region}.amazonaws.com'\n",
        tmp_path,
    )
    assert got["out"] == {"Fn::Sub": "https://${HttpApi}.execute-api.eu-west-1.amazonaws.com"}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("${self:custom.nothing}", 'at "probe": Value not found at "self" source'),
        ("${env:NOPE}", 'Value not found at "env" source'),
        ("${opt:nope}", 'Value not found at "opt" source'),
        ("${ssm:/app/none}", 'Value not found at "ssm" source'),
        ("${cf:other-stack.Nothing}", 'Value not found at "cf" source'),
        ("${file(./nope.yml):x}", 'Value not found at "file" source'),
        ("${file(./code.js):x}", "does not run JavaScript variable files"),
        ("${foo:bar}", 'Unrecognized configuration variable source "foo"'),
        ("${sls:nope}", 'Unsupported "sls" source variable "nope"'),
        (
            "x-${self:custom.object}",
            "String value consist of variable which resolve with non-string value",
        ),
        ("${env:NOPE, ${env:ALSO_NOPE}}", 'Value not found at "env" source'),
    ],
)
def test_errors(expression: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ServerlessError) as caught:
        value(expression, tmp_path)
    text = str(caught.value)
    assert text.startswith("Cannot resolve serverless.yml: Variables resolution errored with:")
    assert message in text


def test_cf_without_a_lookup_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ServerlessError, match='"cf" source needs a CloudFormation lookup'):
        value("${cf:stack.Out}", tmp_path, cf=False)


def test_every_failure_is_listed_and_cycles_are_caught(tmp_path: Path) -> None:
    with pytest.raises(ServerlessError) as caught:
        resolve(
            {
                "service": "svc",
                "provider": {"name": "aws"},
                "custom": {"a": "${self:custom.b}", "b": "${self:custom.a}", "c": "${env:NOPE}"},
            },
            tmp_path,
        )
    text = str(caught.value)
    assert "circular reference" in text
    assert 'Cannot resolve variable at "custom.c": Value not found at "env" source' in text
    assert text.count("\n  - ") >= 2


def test_variables_in_finds_only_framework_variables() -> None:
    text = "${AWS::Region} ${self:a} ${Foo.Arn} ${opt:x, ${self:b}}"
    assert [text[s:e] for s, e in variables_in(text)] == ["${self:a}", "${opt:x, ${self:b}}"]
