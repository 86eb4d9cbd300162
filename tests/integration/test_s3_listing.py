"""S3 listings and versions through boto3: ListObjects v1/v2 paging, prefixes and
delimiters, URL encoding; versioned reads and deletes, delete markers, ListObjectVersions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.s3_helpers import bucket_name, error_of

KEYS = ["a.txt", "dir/one", "dir/sub/two", "dir/three", "z z+plus", "é-unicode", "zz/x"]


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


@pytest.fixture(scope="module")
def filled(s3: Any) -> str:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    for key in KEYS:
        s3.put_object(Bucket=name, Key=key, Body=key.encode())
    return name


def test_v2_lists_in_utf8_binary_order(s3: Any, filled: str) -> None:
    got = s3.list_objects_v2(Bucket=filled)
    assert [o["Key"] for o in got["Contents"]] == sorted(KEYS, key=lambda k: k.encode())
    assert got["KeyCount"] == len(KEYS)
    first = got["Contents"][0]
    assert first["Size"] == len(first["Key"].encode())
    assert first["StorageClass"] == "STANDARD"
    assert "Owner" not in first
    assert "Owner" in s3.list_objects_v2(Bucket=filled, FetchOwner=True)["Contents"][0]


def test_v2_prefix_delimiter_and_common_prefixes(s3: Any, filled: str) -> None:
    got = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert [o["Key"] for o in got["Contents"]] == ["a.txt", "z z+plus", "é-unicode"]
    assert [p["Prefix"] for p in got["CommonPrefixes"]] == ["dir/", "zz/"]
    got = s3.list_objects_v2(Bucket=filled, Prefix="dir/", Delimiter="/")
    assert [o["Key"] for o in got["Contents"]] == ["dir/one", "dir/three"]
    assert [p["Prefix"] for p in got["CommonPrefixes"]] == ["dir/sub/"]
    assert s3.list_objects_v2(Bucket=filled, Prefix="nothing")["KeyCount"] == 0


def test_v2_paging_with_continuation_tokens(s3: Any, filled: str) -> None:
    seen: list[str] = []
    kwargs: dict[str, Any] = {"Bucket": filled, "MaxKeys": 2, "Delimiter": "/"}
    pages = 0
    while True:
        got = s3.list_objects_v2(**kwargs)
        pages += 1
        seen += [o["Key"] for o in got.get("Contents", [])]
        seen += [p["Prefix"] for p in got.get("CommonPrefixes", [])]
        assert got["KeyCount"] <= 2
        if not got["IsTruncated"]:
            break
        kwargs["ContinuationToken"] = got["NextContinuationToken"]
    assert pages == 3
    assert sorted(seen) == sorted(["a.txt", "dir/", "z z+plus", "zz/", "é-unicode"])
    paginator = s3.get_paginator("list_objects_v2")
    keys = [
        o["Key"]
        for page in paginator.paginate(Bucket=filled, PaginationConfig={"PageSize": 3})
        for o in page.get("Contents", [])
    ]
    assert keys == sorted(KEYS, key=lambda k: k.encode())
    error = error_of(s3.list_objects_v2, Bucket=filled, ContinuationToken="!!!")
    assert error["Code"] == "InvalidArgument"


def test_v2_start_after_and_max_keys_zero(s3: Any, filled: str) -> None:
    got = s3.list_objects_v2(Bucket=filled, StartAfter="dir/three")
    assert next(o["Key"] for o in got["Contents"]) == "z z+plus"
    assert got["StartAfter"] == "dir/three"
    zero = s3.list_objects_v2(Bucket=filled, MaxKeys=0)
    assert zero["KeyCount"] == 0 and "Contents" not in zero


def test_url_encoding_raw(s3: Any, filled: str) -> None:
    def raw_keys(**extra: Any) -> list[str]:
        captured: list[bytes] = []

        def keep(http_response: Any, **_: Any) -> None:
            captured.append(http_response.content)

        s3.meta.events.register("after-call.s3.ListObjectsV2", keep)
        try:
            s3.list_objects_v2(Bucket=filled, **extra)
        finally:
            s3.meta.events.unregister("after-call.s3.ListObjectsV2", keep)
        return [captured[0].decode()]

    text = raw_keys(EncodingType="url", Prefix="z")[0]
    assert "<Key>z%20z%2Bplus</Key>" in text
    error = error_of(s3.list_objects_v2, Bucket=filled, EncodingType="base64")
    assert error["Code"] == "InvalidArgument"


def test_v1_marker_paging(s3: Any, filled: str) -> None:
    got = s3.list_objects(Bucket=filled, MaxKeys=3)
    assert got["IsTruncated"] is True
    assert len(got["Contents"]) == 3
    rest = s3.list_objects(Bucket=filled, Marker=got["Contents"][-1]["Key"])
    assert len(got["Contents"]) + len(rest["Contents"]) == len(KEYS)
    grouped = s3.list_objects(Bucket=filled, Delimiter="/", MaxKeys=2)
    assert grouped["NextMarker"] == "dir/"
    assert [o["Key"] for o in s3.list_objects(Bucket=filled, Marker="zz/")["Contents"]] == [
        "zz/x",
        "é-unicode",
    ]


def test_missing_bucket(s3: Any) -> None:
    error = error_of(s3.list_objects_v2, Bucket=bucket_name())
    assert (error["Code"], error["Status"]) == ("NoSuchBucket", 404)


def test_versioned_reads_deletes_and_markers(s3: Any) -> None:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"before versioning")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=name, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=name, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and v1 != "null"
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=name, Key="k", VersionId=v1)["Body"].read() == b"one"
    got = s3.get_object(Bucket=name, Key="k", VersionId="null")
    assert got["Body"].read() == b"before versioning"
    assert got["VersionId"] == "null"
    deleted = s3.delete_object(Bucket=name, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    error = error_of(s3.get_object, Bucket=name, Key="k")
    assert (error["Code"], error["Status"]) == ("NoSuchKey", 404)
    assert error["Headers"]["x-amz-delete-marker"] == "true"
    error = error_of(s3.get_object, Bucket=name, Key="k", VersionId=marker)
    assert (error["Code"], error["Status"]) == ("MethodNotAllowed", 405)
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
    versions = s3.list_object_versions(Bucket=name)
    assert [(v["VersionId"], v["IsLatest"]) for v in versions["Versions"]] == [
        (v2, False),
        (v1, False),
        ("null", False),
    ]
    assert [(m["VersionId"], m["IsLatest"]) for m in versions["DeleteMarkers"]] == [(marker, True)]
    error = error_of(s3.get_object, Bucket=name, Key="k", VersionId="a" * 32)
    assert (error["Code"], error["Status"]) == ("NoSuchVersion", 404)
    error = error_of(s3.get_object, Bucket=name, Key="k", VersionId="not-a-version")
    assert error["Code"] == "InvalidArgument"
    # deleting the marker brings the previous version back
    assert s3.delete_object(Bucket=name, Key="k", VersionId=marker)["DeleteMarker"] is True
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"two"
    s3.delete_object(Bucket=name, Key="k", VersionId=v2)
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"one"
    paged = s3.list_object_versions(Bucket=name, MaxKeys=1)
    assert paged["IsTruncated"] and paged["NextVersionIdMarker"] == v1
    rest = s3.list_object_versions(
        Bucket=name, KeyMarker=paged["NextKeyMarker"], VersionIdMarker=paged["NextVersionIdMarker"]
    )
    assert [v["VersionId"] for v in rest["Versions"]] == ["null"]
    result = s3.delete_objects(
        Bucket=name, Delete={"Objects": [{"Key": "k", "VersionId": v1}, {"Key": "k"}]}
    )
    by_version = {d.get("VersionId"): d for d in result["Deleted"]}
    assert v1 in by_version
    assert by_version[None]["DeleteMarker"] is True


def test_suspended_versioning_overwrites_the_null_version(s3: Any) -> None:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    kept = s3.put_object(Bucket=name, Key="k", Body=b"kept")["VersionId"]
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket=name, Key="k", Body=b"n1")["VersionId"] == "null"
    s3.put_object(Bucket=name, Key="k", Body=b"n2")
    ids = [v["VersionId"] for v in s3.list_object_versions(Bucket=name)["Versions"]]
    assert ids == ["null", kept]
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"n2"
