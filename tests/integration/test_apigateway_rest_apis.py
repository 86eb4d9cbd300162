"""API Gateway REST APIs over the wire: APIs, resources, methods, integrations,
responses and authorizers, the good paths and AWS's refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import TenkuProcess

FN = "arn:aws:lambda:us-east-1:000000000000:function:hello"
LAMBDA_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"


@pytest.fixture(scope="module")
def apigw(tenku: TenkuProcess) -> Any:
    return tenku.client("apigateway")


@pytest.fixture()
def api(apigw: Any) -> Iterator[dict[str, Any]]:
    made = apigw.create_rest_api(name="pets", description="the pet store")
    yield made
    apigw.delete_rest_api(restApiId=made["id"])


def error_of(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return (
        error["Code"],
        caught.value.response["ResponseMetadata"]["HTTPStatusCode"],
        error["Message"],
    )


# -- REST APIs ---------------------------------------------------------------------------
def test_create_rest_api_defaults_and_root(apigw: Any, api: dict[str, Any]) -> None:
    assert len(api["id"]) == 10 and api["name"] == "pets"
    assert api["apiKeySource"] == "HEADER"
    assert api["endpointConfiguration"]["types"] == ["EDGE"]
    assert api["disableExecuteApiEndpoint"] is False
    resources = apigw.get_resources(restApiId=api["id"])["items"]
    assert resources == [{"id": api["rootResourceId"], "path": "/"}]


def test_create_rest_api_with_options(apigw: Any) -> None:
    made = apigw.create_rest_api(
        name="bin",
        endpointConfiguration={"types": ["REGIONAL"]},
        binaryMediaTypes=["image/png", "application/octet-stream"],
        minimumCompressionSize=1024,
        apiKeySource="AUTHORIZER",
        disableExecuteApiEndpoint=True,
        tags={"team": "a"},
    )
    try:
        got = apigw.get_rest_api(restApiId=made["id"])
        assert got["endpointConfiguration"]["types"] == ["REGIONAL"]
        assert got["binaryMediaTypes"] == ["image/png", "application/octet-stream"]
        assert got["minimumCompressionSize"] == 1024 and got["apiKeySource"] == "AUTHORIZER"
        assert got["disableExecuteApiEndpoint"] is True and got["tags"] == {"team": "a"}
    finally:
        apigw.delete_rest_api(restApiId=made["id"])


def test_create_rest_api_refusals(apigw: Any) -> None:
    assert error_of(apigw.create_rest_api, name="x", minimumCompressionSize=10485761) == (
        "BadRequestException",
        400,
        "Invalid minimum compression size, must be between 0 and 10485760",
    )
    code, status, _ = error_of(apigw.create_rest_api, name="x", description="")
    assert (code, status) == ("BadRequestException", 400)


def test_get_rest_apis_pages(apigw: Any) -> None:
    made = [apigw.create_rest_api(name=f"page-{i}")["id"] for i in range(5)]
    try:
        seen: list[str] = []
        page = apigw.get_rest_apis(limit=2)
        seen += [a["id"] for a in page["items"]]
        while "position" in page:
            page = apigw.get_rest_apis(limit=2, position=page["position"])
            seen += [a["id"] for a in page["items"]]
        assert [i for i in seen if i in made] == made
        assert len(seen) == len(set(seen))
    finally:
        for api_id in made:
            apigw.delete_rest_api(restApiId=api_id)


def test_update_rest_api_patches(apigw: Any, api: dict[str, Any]) -> None:
    got = apigw.update_rest_api(
        restApiId=api["id"],
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "renamed"},
            {"op": "add", "path": "/binaryMediaTypes/image~1png"},
            {"op": "add", "path": "/binaryMediaTypes/*~1*"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": "0"},
            {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"},
            {"op": "replace", "path": "/endpointConfiguration/types/EDGE", "value": "REGIONAL"},
        ],
    )
    assert got["name"] == "renamed" and got["binaryMediaTypes"] == ["image/png", "*/*"]
    assert got["minimumCompressionSize"] == 0 and got["disableExecuteApiEndpoint"] is True
    assert got["endpointConfiguration"]["types"] == ["REGIONAL"]
    got = apigw.update_rest_api(
        restApiId=api["id"],
        patchOperations=[{"op": "remove", "path": "/binaryMediaTypes/image~1png"}],
    )
    assert got["binaryMediaTypes"] == ["*/*"]


def test_update_rest_api_patch_errors(apigw: Any, api: dict[str, Any]) -> None:
    code, status, message = error_of(
        apigw.update_rest_api,
        restApiId=api["id"],
        patchOperations=[{"op": "replace", "path": "/nope", "value": "x"}],
    )
    assert (code, status) == ("BadRequestException", 400)
    assert message.startswith(
        "Invalid patch path  '/nope' specified for op 'replace'. Must be one of: [/name"
    )
    assert (
        error_of(
            apigw.update_rest_api,
            restApiId=api["id"],
            patchOperations=[{"op": "add", "path": "/name", "value": "x"}],
        )[2]
        == "Invalid patch path  '/name' specified for op 'add'. Please choose supported operations"
    )
    message = error_of(
        apigw.update_rest_api,
        restApiId=api["id"],
        patchOperations=[
            {"op": "replace", "path": "/name", "value": "changed"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": "-1"},
        ],
    )[2]
    assert message == "Invalid minimum compression size, must be between 0 and 10485760"
    assert apigw.get_rest_api(restApiId=api["id"])["name"] == "pets"  # nothing half-applied


def test_unknown_api_ids(apigw: Any) -> None:
    for call, kwargs in [
        (apigw.get_rest_api, {}),
        (apigw.delete_rest_api, {}),
        (apigw.get_resources, {}),
        (apigw.create_resource, {"parentId": "abc", "pathPart": "x"}),
        (apigw.update_rest_api, {"patchOperations": []}),
    ]:
        assert error_of(call, restApiId="nosuchapi1", **kwargs) == (
            "NotFoundException",
            404,
            "Invalid API identifier specified 000000000000:nosuchapi1",
        )


def test_apis_are_per_region(tenku: TenkuProcess, api: dict[str, Any]) -> None:
    other = tenku.client("apigateway", region="eu-west-1")
    assert error_of(other.get_rest_api, restApiId=api["id"])[0] == "NotFoundException"


def test_tags(apigw: Any, api: dict[str, Any]) -> None:
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}"
    apigw.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    apigw.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    assert apigw.get_rest_api(restApiId=api["id"])["tags"] == {"b": "2"}


# -- resources ---------------------------------------------------------------------------
def test_resource_tree(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    pets = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    assert pets["path"] == "/pets" and pets["parentId"] == root and len(pets["id"]) == 6
    pet = apigw.create_resource(restApiId=api["id"], parentId=pets["id"], pathPart="{petId}")
    toys = apigw.create_resource(restApiId=api["id"], parentId=pet["id"], pathPart="toys")
    assert toys["path"] == "/pets/{petId}/toys"
    proxy = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{proxy+}")
    assert proxy["path"] == "/{proxy+}"
    assert apigw.get_resource(restApiId=api["id"], resourceId=toys["id"])["path"] == (
        "/pets/{petId}/toys"
    )
    moved = apigw.update_resource(
        restApiId=api["id"],
        resourceId=pets["id"],
        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "animals"}],
    )
    assert moved["path"] == "/animals"
    assert apigw.get_resource(restApiId=api["id"], resourceId=toys["id"])["path"] == (
        "/animals/{petId}/toys"
    )
    apigw.delete_resource(restApiId=api["id"], resourceId=pets["id"])
    paths = [r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]]
    assert paths == ["/", "/{proxy+}"]
    assert error_of(apigw.get_resource, restApiId=api["id"], resourceId=toys["id"]) == (
        "NotFoundException",
        404,
        "Invalid Resource identifier specified",
    )


@pytest.mark.parametrize("part", ["a/b", "{id", "x{id}", "", "{a+b}", "sp ace"])
def test_bad_path_parts(apigw: Any, api: dict[str, Any], part: str) -> None:
    code, status, message = error_of(
        apigw.create_resource, restApiId=api["id"], parentId=api["rootResourceId"], pathPart=part
    )
    assert (code, status) == ("BadRequestException", 400)
    assert message.startswith("Resource's path part only allow a-zA-Z0-9._- and curly braces")


def test_resource_conflicts(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    assert error_of(apigw.create_resource, restApiId=api["id"], parentId=root, pathPart="pets") == (
        "ConflictException",
        409,
        "Another resource with the same parent already has this name: pets",
    )
    apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{id}")
    assert error_of(
        apigw.create_resource, restApiId=api["id"], parentId=root, pathPart="{other}"
    ) == (
        "BadRequestException",
        400,
        "A sibling ({id}) of this resource already has a variable path part -- only one is allowed",
    )
    assert error_of(
        apigw.create_resource, restApiId=api["id"], parentId="nosuch", pathPart="x"
    ) == ("NotFoundException", 404, "Invalid Resource identifier specified")


def test_greedy_only_as_leaf(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    greedy = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{proxy+}")
    assert error_of(
        apigw.create_resource, restApiId=api["id"], parentId=greedy["id"], pathPart="x"
    ) == (
        "BadRequestException",
        400,
        "Cannot create a child of a resource with a greedy path variable: {proxy+}",
    )


def test_update_resource_errors(apigw: Any, api: dict[str, Any]) -> None:
    root = api["rootResourceId"]
    a = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="a")
    b = apigw.create_resource(restApiId=api["id"], parentId=a["id"], pathPart="b")
    apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="c")
    assert error_of(
        apigw.update_resource,
        restApiId=api["id"],
        resourceId=a["id"],
        patchOperations=[{"op": "replace", "path": "/parentId", "value": b["id"]}],
    ) == ("BadRequestException", 400, "Resources cannot be cyclical.")
    assert (
        error_of(
            apigw.update_resource,
            restApiId=api["id"],
            resourceId=a["id"],
            patchOperations=[{"op": "replace", "path": "/pathPart", "value": "c"}],
        )[0]
        == "ConflictException"
    )
    assert (
        error_of(
            apigw.update_resource,
            restApiId=api["id"],
            resourceId=a["id"],
            patchOperations=[{"op": "replace", "path": "/path", "value": "/x"}],
        )[2]
        == "Invalid patch path  '/path' specified for op 'replace'. "
        "Must be one of: [/pathPart, /parentId]"
    )
    moved = apigw.update_resource(
        restApiId=api["id"],
        resourceId=b["id"],
        patchOperations=[{"op": "replace", "path": "/parentId", "value": root}],
    )
    assert moved["path"] == "/b"


# -- methods, integrations, responses ----------------------------------------------------
def test_method_integration_and_responses(apigw: Any, api: dict[str, Any]) -> None:
    rid, root = api["id"], api["rootResourceId"]
    method = apigw.put_method(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        authorizationType="NONE",
        apiKeyRequired=True,
        operationName="listPets",
        requestParameters={"method.request.querystring.page": False},
    )
    assert method["apiKeyRequired"] is True and method["operationName"] == "listPets"
    assert (
        error_of(
            apigw.put_method,
            restApiId=rid,
            resourceId=root,
            httpMethod="GET",
            authorizationType="NONE",
        )[0]
        == "ConflictException"
    )
    integration = apigw.put_integration(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=LAMBDA_URI,
        timeoutInMillis=5000,
    )
    assert integration["httpMethod"] == "POST" and integration["uri"] == LAMBDA_URI
    assert integration["timeoutInMillis"] == 5000
    assert integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    apigw.put_method_response(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        responseParameters={"method.response.header.X-Id": False},
    )
    apigw.put_integration_response(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        selectionPattern="",
        responseTemplates={"application/json": "$input.body"},
    )
    got = apigw.get_method(restApiId=rid, resourceId=root, httpMethod="GET")
    assert got["methodResponses"]["200"]["responseParameters"] == {
        "method.response.header.X-Id": False
    }
    assert got["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"] == {
        "application/json": "$input.body"
    }
    embedded = apigw.get_resources(restApiId=rid, embed=["methods"])["items"][0]
    assert embedded["resourceMethods"]["GET"]["methodIntegration"]["type"] == "AWS_PROXY"
    plain = apigw.get_resources(restApiId=rid)["items"][0]
    assert plain["resourceMethods"] == {"GET": {}}
    updated = apigw.update_integration(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        patchOperations=[
            {"op": "replace", "path": "/timeoutInMillis", "value": "29000"},
            {"op": "add", "path": "/requestTemplates/application~1json", "value": "{}"},
        ],
    )
    assert updated["timeoutInMillis"] == 29000 and updated["requestTemplates"] == {
        "application/json": "{}"
    }
    updated_method = apigw.update_method(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        patchOperations=[
            {"op": "replace", "path": "/apiKeyRequired", "value": "false"},
            {
                "op": "add",
                "path": "/requestParameters/method.request.header.X-Trace",
                "value": "true",
            },
        ],
    )
    assert updated_method["apiKeyRequired"] is False
    assert updated_method["requestParameters"]["method.request.header.X-Trace"] is True
    response = apigw.update_integration_response(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        patchOperations=[{"op": "replace", "path": "/selectionPattern", "value": ".*Error.*"}],
    )
    assert response["selectionPattern"] == ".*Error.*"
    apigw.delete_integration_response(
        restApiId=rid, resourceId=root, httpMethod="GET", statusCode="200"
    )
    apigw.delete_method_response(restApiId=rid, resourceId=root, httpMethod="GET", statusCode="200")
    assert error_of(
        apigw.get_method_response,
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
    ) == ("NotFoundException", 404, "Invalid Response status code specified")
    apigw.delete_integration(restApiId=rid, resourceId=root, httpMethod="GET")
    assert error_of(apigw.get_integration, restApiId=rid, resourceId=root, httpMethod="GET") == (
        "NotFoundException",
        404,
        "Invalid Integration identifier specified",
    )
    apigw.delete_method(restApiId=rid, resourceId=root, httpMethod="GET")
    assert error_of(apigw.get_method, restApiId=rid, resourceId=root, httpMethod="GET") == (
        "NotFoundException",
        404,
        "Invalid Method identifier specified",
    )


def test_integration_refusals(apigw: Any, api: dict[str, Any]) -> None:
    rid, root = api["id"], api["rootResourceId"]
    apigw.put_method(restApiId=rid, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    base = {"restApiId": rid, "resourceId": root, "httpMethod": "ANY"}
    for kind in ("AWS_PROXY", "AWS", "HTTP", "HTTP_PROXY"):
        uri = LAMBDA_URI if kind.startswith("AWS") else "https://example.com"
        assert error_of(apigw.put_integration, type=kind, uri=uri, **base) == (
            "BadRequestException",
            400,
            "Enumeration value for HttpMethod must be non-empty",
        )
    for timeout in (49, 29001):
        assert error_of(apigw.put_integration, type="MOCK", timeoutInMillis=timeout, **base) == (
            "BadRequestException",
            400,
            "Timeout should be between 50 ms and 29000 ms",
        )
    assert error_of(
        apigw.put_integration,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:s3:path/bucket/key",
        **base,
    )[2].startswith("Integrations of type 'AWS_PROXY' currently only supports Lambda")
    mock = apigw.put_integration(type="MOCK", **base)
    assert mock["type"] == "MOCK" and "httpMethod" not in mock
    assert error_of(
        apigw.put_integration, restApiId=rid, resourceId=root, httpMethod="POST", type="MOCK"
    ) == ("NotFoundException", 404, "Invalid Method identifier specified")
    assert (
        error_of(
            apigw.update_integration,
            patchOperations=[{"op": "replace", "path": "/timeoutInMillis", "value": "10"}],
            **base,
        )[2]
        == "Timeout should be between 50 ms and 29000 ms"
    )
    assert (
        error_of(
            apigw.put_method,
            restApiId=rid,
            resourceId=root,
            httpMethod="FETCH",
            authorizationType="NONE",
        )[0]
        == "BadRequestException"
    )


# -- authorizers -------------------------------------------------------------------------
def test_authorizers(apigw: Any, api: dict[str, Any]) -> None:
    rid, root = api["id"], api["rootResourceId"]
    token = apigw.create_authorizer(
        restApiId=rid,
        name="token",
        type="TOKEN",
        authorizerUri=LAMBDA_URI,
        identitySource="method.request.header.Authorization",
        identityValidationExpression="^Bearer .+$",
    )
    assert token["authorizerResultTtlInSeconds"] == 300 and len(token["id"]) == 6
    request = apigw.create_authorizer(
        restApiId=rid,
        name="request",
        type="REQUEST",
        authorizerUri=LAMBDA_URI,
        identitySource="method.request.header.X-User, method.request.querystring.tenant",
        authorizerResultTtlInSeconds=0,
    )
    cognito = apigw.create_authorizer(
        restApiId=rid,
        name="pool",
        type="COGNITO_USER_POOLS",
        providerARNs=["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"],
        identitySource="method.request.header.Authorization",
    )
    names = [a["name"] for a in apigw.get_authorizers(restApiId=rid)["items"]]
    assert names == ["pool", "request", "token"]
    method = apigw.put_method(
        restApiId=rid,
        resourceId=root,
        httpMethod="GET",
        authorizationType="CUSTOM",
        authorizerId=token["id"],
    )
    assert method["authorizerId"] == token["id"]
    apigw.put_method(
        restApiId=rid,
        resourceId=root,
        httpMethod="POST",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=cognito["id"],
        authorizationScopes=["email"],
    )
    assert error_of(
        apigw.put_method,
        restApiId=rid,
        resourceId=root,
        httpMethod="PUT",
        authorizationType="CUSTOM",
        authorizerId="nosuch",
    ) == (
        "BadRequestException",
        400,
        "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
        "COGNITO_USER_POOLS requires a valid authorizer.",
    )
    updated = apigw.update_authorizer(
        restApiId=rid,
        authorizerId=request["id"],
        patchOperations=[{"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "60"}],
    )
    assert updated["authorizerResultTtlInSeconds"] == 60
    assert error_of(apigw.delete_authorizer, restApiId=rid, authorizerId=token["id"])[0] == (
        "BadRequestException"
    )
    apigw.delete_authorizer(restApiId=rid, authorizerId=request["id"])
    assert error_of(apigw.get_authorizer, restApiId=rid, authorizerId=request["id"]) == (
        "NotFoundException",
        404,
        "Invalid Authorizer identifier specified",
    )
    assert (
        error_of(
            apigw.create_authorizer, restApiId=rid, name="x", type="TOKEN", authorizerUri=LAMBDA_URI
        )[0]
        == "BadRequestException"
    )
