"""Which files go into which zip: patterns, v2 include/exclude, individually, artifacts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tenku.deploy.serverless.packaging import Artifact, glob_regex, selected
from tests.unit.deploy.serverless_support import translate


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("src/**", "src/a/b.js", True),
        ("src/**", "srcx/a.js", False),
        ("**/*.test.js", "a/b/c.test.js", True),
        ("**/*.test.js", "c.test.js", True),
        ("*.md", "README.md", True),
        ("*.md", "docs/README.md", False),
        ("node_modules/**", "node_modules/.bin/x", True),  # dot files match
        ("src/{a,b}.js", "src/b.js", True),
        ("src/[ab].js", "src/c.js", False),
        ("file?.txt", "file1.txt", True),
        ("./handler.py", "handler.py", True),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(pattern).match(path)) is matches


def test_patterns_apply_in_order() -> None:
    patterns = ("!node_modules/**", "node_modules/keep/**", "!**/*.md")
    assert not selected("node_modules/x/index.js", patterns)
    assert selected("node_modules/keep/index.js", patterns)
    assert not selected("node_modules/keep/README.md", patterns)
    assert selected("handler.js", patterns)


def make_tree(root: Path) -> None:
    for path in (
        "handler.py", "lib/util.py", "tests/test_x.py", "README.md", ".env", ".env.local",
        ".git/HEAD", ".serverless/old.zip", "node_modules/dep/index.js",
        "node_modules/dep/README.md", "fns/a.py", "fns/b.py",
    ):  # fmt: skip
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(path)


def test_service_package_with_patterns_and_v2_rules(tmp_path: Path) -> None:
    make_tree(tmp_path)
    t = translate(
        tmp_path,
        """
package:
  exclude: [tests/**]
  include: [tests/test_x.py]
  patterns: ['!**/*.md', '!fns/**']
functions:
  a: {handler: fns/a.main}
  b: {handler: fns/b.main}
""",
    )
    (artifact,) = t.artifacts
    assert artifact.name == "shop"
    assert artifact.logical_ids == ("ALambdaFunction", "BLambdaFunction")
    assert artifact.files() == [
        "handler.py",
        "lib/util.py",
        "node_modules/dep/index.js",
        "tests/test_x.py",
    ]
    data = artifact.zip_bytes()
    assert data == artifact.zip_bytes()  # deterministic: same content, same bytes
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("lib/util.py") == b"lib/util.py"
        info = archive.getinfo("handler.py")
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
    digest = artifact.digest()
    (tmp_path / "lib" / "util.py").write_text("changed")
    assert artifact.digest() != digest


def test_individual_packages(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "prebuilt.zip").write_bytes(b"PK-prebuilt")
    t = translate(
        tmp_path,
        """
package:
  individually: true
  patterns: ['!**', 'lib/**']
functions:
  a:
    handler: fns/a.main
    package: {patterns: [fns/a.py]}
  b:
    handler: fns/b.main
    package: {patterns: [fns/b.py]}
  c:
    handler: index.main
    package: {artifact: prebuilt.zip}
""",
    )
    by_name = {a.name: a for a in t.artifacts}
    assert by_name["a"].files() == ["fns/a.py", "lib/util.py"]
    assert by_name["b"].files() == ["fns/b.py", "lib/util.py"]
    assert by_name["c"].zip_bytes() == b"PK-prebuilt"
    assert by_name["a"].key_parameter == "TenkuArtifactKeyA"
    code = t.template["Resources"]["ALambdaFunction"]["Properties"]["Code"]
    assert code["S3Key"] == {"Ref": "TenkuArtifactKeyA"}
    assert set(t.template["Parameters"]) == {
        "TenkuArtifactBucket",
        "TenkuArtifactKeyA",
        "TenkuArtifactKeyB",
        "TenkuArtifactKeyC",
    }


def test_default_excludes(tmp_path: Path) -> None:
    make_tree(tmp_path)
    artifact = Artifact("svc", tmp_path, ("!.git/**", "!.serverless/**", "!.env", "!.env.*"),
                        ("F",), "Key")  # fmt: skip
    files = artifact.files()
    assert ".git/HEAD" not in files and ".serverless/old.zip" not in files
    assert ".env" not in files and ".env.local" not in files
    t = translate(tmp_path, "functions:\n  a: {handler: handler.main}\n")
    assert "serverless.yml" not in t.artifacts[0].files()
