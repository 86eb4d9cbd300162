"""S3 multipart uploads through boto3 and the AWS CLI (`aws s3 cp/ls/sync`)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import TenkuProcess
from tests.integration.s3_helpers import bucket_name, error_of

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def s3(tenku: TenkuProcess) -> Any:
    return tenku.client("s3")


@pytest.fixture
def bucket(s3: Any) -> str:
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name


def test_multipart_upload_etag_and_parts(s3: Any, bucket: str) -> None:
    parts_data = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big", ContentType="video/x")["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=bucket)
    assert [u["UploadId"] for u in listed["Uploads"]] == [upload]
    etags = []
    for number, data in enumerate(parts_data, 1):
        etags.append(
            s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=number, Body=data)[
                "ETag"
            ]
        )
    parts = s3.list_parts(Bucket=bucket, Key="big", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5 * MIB), (2, 5 * MIB), (3, 4)]
    page = s3.list_parts(Bucket=bucket, Key="big", UploadId=upload, MaxParts=2)
    assert page["IsTruncated"] and page["NextPartNumberMarker"] == 2
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"ETag": e, "PartNumber": n} for n, e in enumerate(etags, 1)]},
    )
    joined = b"".join(bytes.fromhex(hashlib.md5(d).hexdigest()) for d in parts_data)
    expected = f'"{hashlib.md5(joined).hexdigest()}-3"'
    assert done["ETag"] == expected
    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["ETag"] == expected
    assert got["ContentType"] == "video/x"
    assert got["Body"].read() == b"".join(parts_data)
    second = s3.get_object(Bucket=bucket, Key="big", PartNumber=2)
    assert second["ContentLength"] == 5 * MIB and second["PartsCount"] == 3
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    error = error_of(s3.list_parts, Bucket=bucket, Key="big", UploadId=upload)
    assert (error["Code"], error["Status"]) == ("NoSuchUpload", 404)


def test_completion_rules(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    small = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"a")["ETag"]
    last = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=2, Body=b"b")["ETag"]

    def complete(parts: list[dict[str, Any]]) -> dict[str, Any]:
        return error_of(
            s3.complete_multipart_upload,
            Bucket=bucket,
            Key="k",
            UploadId=upload,
            MultipartUpload={"Parts": parts},
        )

    error = complete([{"ETag": small, "PartNumber": 1}, {"ETag": last, "PartNumber": 2}])
    assert (error["Code"], error["Status"]) == ("EntityTooSmall", 400)
    error = complete([{"ETag": last, "PartNumber": 2}, {"ETag": small, "PartNumber": 1}])
    assert error["Code"] == "InvalidPartOrder"
    error = complete([{"ETag": '"0123456789abcdef0123456789abcdef"', "PartNumber": 1}])
    assert error["Code"] == "InvalidPart"
    error = complete([{"ETag": small, "PartNumber": 7}])
    assert error["Code"] == "InvalidPart"
    error = error_of(
        s3.upload_part, Bucket=bucket, Key="k", UploadId=upload, PartNumber=10001, Body=b"x"
    )
    assert error["Code"] == "InvalidArgument"
    # a single small part is fine: the last part may be of any size
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="k",
        UploadId=upload,
        MultipartUpload={"Parts": [{"ETag": small, "PartNumber": 1}]},
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"a"


def test_abort_and_unknown_uploads(s3: Any, bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"a")
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)
    for call in (
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload),
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"a"),
        lambda: s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=upload,
            MultipartUpload={"Parts": [{"ETag": '"x"', "PartNumber": 1}]},
        ),
    ):
        error = error_of(call)
        assert (error["Code"], error["Status"]) == ("NoSuchUpload", 404)
    error = error_of(s3.create_multipart_upload, Bucket=bucket_name(), Key="k")
    assert error["Code"] == "NoSuchBucket"


def test_upload_part_copy(s3: Any, bucket: str) -> None:
    source = os.urandom(6 * MIB)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="assembled")["UploadId"]
    first = s3.upload_part_copy(
        Bucket=bucket,
        Key="assembled",
        UploadId=upload,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": "source"},
        CopySourceRange=f"bytes=0-{5 * MIB - 1}",
    )["CopyPartResult"]["ETag"]
    second = s3.upload_part_copy(
        Bucket=bucket,
        Key="assembled",
        UploadId=upload,
        PartNumber=2,
        CopySource=f"{bucket}/source",
        CopySourceRange=f"bytes={5 * MIB}-{6 * MIB - 1}",
    )["CopyPartResult"]["ETag"]
    error = error_of(
        s3.upload_part_copy,
        Bucket=bucket,
        Key="assembled",
        UploadId=upload,
        PartNumber=3,
        CopySource=f"{bucket}/source",
        CopySourceRange=f"bytes={7 * MIB}-{8 * MIB}",
    )
    assert error["Code"] in ("InvalidArgument", "InvalidRange")
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="assembled",
        UploadId=upload,
        MultipartUpload={
            "Parts": [{"ETag": first, "PartNumber": 1}, {"ETag": second, "PartNumber": 2}]
        },
    )
    assert s3.get_object(Bucket=bucket, Key="assembled")["Body"].read() == source


def test_cli_cp_ls_sync(tenku: TenkuProcess, s3: Any, bucket: str, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    data = os.urandom(20 * MIB)
    big.write_bytes(data)
    done = tenku.aws("s3", "cp", str(big), f"s3://{bucket}/uploads/big.bin")
    assert done.returncode == 0, done.stderr
    head = s3.head_object(Bucket=bucket, Key="uploads/big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')  # the CLI's 8 MiB parts
    back = tmp_path / "back.bin"
    done = tenku.aws("s3", "cp", f"s3://{bucket}/uploads/big.bin", str(back))
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(data).digest()
    listed = tenku.aws("s3", "ls", f"s3://{bucket}/uploads/")
    assert "big.bin" in listed.stdout and str(len(data)) in listed.stdout
    folder = tmp_path / "site"
    (folder / "css").mkdir(parents=True)
    (folder / "index.html").write_text("<h1>hi</h1>")
    (folder / "css" / "a b.css").write_text("body{}")
    # S3 keeps whole seconds: files written in the same second as their upload would look
    # newer than their copies to the next sync, so they date from a while ago.
    past = time.time() - 60
    for path in (folder / "index.html", folder / "css" / "a b.css"):
        os.utime(path, (past, past))
    done = tenku.aws("s3", "sync", str(folder), f"s3://{bucket}/site")
    assert done.returncode == 0, done.stderr
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="site/")["Contents"]]
    assert keys == ["site/css/a b.css", "site/index.html"]
    again = tenku.aws("s3", "sync", str(folder), f"s3://{bucket}/site")
    assert again.returncode == 0 and "upload:" not in again.stdout  # nothing changed
    listed = tenku.aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "site/")
    assert [o["Key"] for o in json.loads(listed.stdout)["Contents"]] == keys
    failed = tenku.aws("s3api", "head-object", "--bucket", bucket, "--key", "nope")
    assert failed.returncode != 0 and "404" in failed.stderr
    done = tenku.aws("s3", "rm", f"s3://{bucket}/site", "--recursive")
    assert done.returncode == 0, done.stderr
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="site/")
