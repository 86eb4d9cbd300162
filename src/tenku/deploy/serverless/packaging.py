"""Code artifacts: which files of the service go into which zip, as the Framework packs them.

An `Artifact` is one zip: the whole service (the default), one function (with
`package.individually`), or one layer (`layers.<name>.path`). Files are chosen by the
Framework's rules: every file under `root_dir`, then each pattern in order (`!glob`
drops what matches, `glob` takes it back), starting with the Framework's default
excludes (`.git/**`, `.serverless/**`, the config file, ...) and v2's `exclude`/`include`
turned into patterns. Globs are micromatch-like with dot files matched: `*`, `**`, `?`,
`[...]`, `{a,b}`. `package.artifact` names a zip made elsewhere, used as it is.
`zip_bytes()` is deterministic (sorted names, fixed times), so `digest()` changes only
when the content does and `default_key()` can be content-addressed.
Must not: upload anything (the caller does, then fills the template's key parameters).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_EXCLUDES = (
    "!.git/**", "!.gitignore", "!.DS_Store", "!npm-debug.log", "!yarn-*.log",
    "!.serverless/**", "!.serverless_plugins/**", "!.env", "!.env.*",
)  # fmt: skip
_PRUNED = (".git", ".serverless")  # never walked unless a pattern takes them back


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob (micromatch-like, dot files included) as an anchored regular expression."""
    return re.compile(_translate(pattern.removeprefix("./")) + r"\Z", re.DOTALL)


def _translate(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            choices = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(_translate(c) for c in choices) + ")")
            i = end
        elif char == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def selected(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether a file (posix path relative to the root) survives the patterns in order."""
    keep = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern[1:] if negated else pattern
        if glob_regex(glob).match(path):
            keep = not negated
    return keep


@dataclass(frozen=True)
class Artifact:
    """One zip to build and upload; its S3 key goes into template parameter
    `key_parameter` (and the bucket into `TenkuArtifactBucket`)."""

    name: str  # the Framework's zip name without `.zip`: service, function or layer
    root_dir: Path
    patterns: tuple[str, ...]
    logical_ids: tuple[str, ...]  # the functions or layer versions using this code
    key_parameter: str
    prebuilt: Path | None = None  # `package.artifact`

    def files(self) -> list[str]:
        """The relative posix paths that go into the zip, sorted."""
        if self.prebuilt is not None:
            return []
        positive = [p for p in self.patterns if not p.startswith("!")]
        found: list[str] = []
        for directory, subdirs, names in os.walk(self.root_dir):
            relative = Path(directory).relative_to(self.root_dir).as_posix()
            prefix = "" if relative == "." else relative + "/"
            subdirs[:] = [
                d
                for d in subdirs
                if not (
                    prefix == ""
                    and d in _PRUNED
                    and not any(p.lstrip("./").startswith(d) for p in positive)
                )
            ]
            for name in names:
                path = prefix + name
                if selected(path, self.patterns) and os.path.isfile(self.root_dir / path):
                    found.append(path)
        return sorted(found)

    def zip_bytes(self) -> bytes:
        if self.prebuilt is not None:
            return self.prebuilt.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in self.files():
                source = self.root_dir / path
                info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
                mode = 0o755 if os.access(source, os.X_OK) else 0o644
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, source.read_bytes())
        return buffer.getvalue()

    def digest(self) -> str:
        return hashlib.sha256(self.zip_bytes()).hexdigest()

    def default_key(self, service: str, stage: str, digest: str | None = None) -> str:
        """A content-addressed S3 key: a new key (so a code update) only when code changes."""
        content = (digest or self.digest())[:16]
        return f"serverless/{service}/{stage}/{content}/{self.name}.zip"


def package_patterns(package: object) -> list[str]:
    """`package.patterns` plus v2's `exclude` (as `!x`) and `include`, in the Framework's
    order (excludes, then includes, then patterns)."""
    if not isinstance(package, dict):
        return []
    out = [f"!{p}" for p in package.get("exclude") or []]
    out += [str(p) for p in package.get("include") or []]
    out += [str(p) for p in package.get("patterns") or []]
    return out
