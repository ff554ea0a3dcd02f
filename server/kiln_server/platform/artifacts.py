"""The artifact store: datasets, checkpoints and model weights, on a local path or any fsspec URL.

Paths inside the store are relative ("datasets/d-1/data.jsonl"); the root decides where they
really live (./.kiln/artifacts by default, s3://bucket/prefix at scale).

Clients only ever see kiln-relative URIs ("kiln://artifacts/models/acme/m-1"): the root is the
server's business, and a server path in a response tells a tenant the layout of the server's
filesystem, including where other tenants' weights live.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import fsspec
from fsspec.core import url_to_fs

PUBLIC_PREFIX = "kiln://artifacts/"
_TOP_LEVEL = ("jobs/", "models/", "datasets/", "evaluations/", "sweeps/")


def public_uri(rel: str) -> str:
    """What clients are shown for the object at `rel` in the store."""
    return f"{PUBLIC_PREFIX}{rel}" if rel else ""


def rel_of(uri: str) -> str:
    """The store-relative path a URI names: a public URI, or one written by gateways before
    public URIs (the store root followed by the path), where the path starts at its top level."""
    if uri.startswith(PUBLIC_PREFIX):
        return uri.removeprefix(PUBLIC_PREFIX)
    for top in _TOP_LEVEL:
        at = uri.rfind(f"/{top}")
        if at >= 0:
            return uri[at + 1 :]
    return ""


def published(uri: str) -> str:
    """`uri` as clients may see it (URIs stored by earlier gateways were server paths)."""
    return public_uri(rel_of(uri))


class ArtifactStore:
    def __init__(self, root: str):
        self.root = root.rstrip("/")
        self.fs, self._base = url_to_fs(self.root)
        if _is_local(self.fs):
            Path(self._base).mkdir(parents=True, exist_ok=True)

    def _path(self, rel: str) -> str:
        return posixpath.join(self._base, rel)

    def uri(self, rel: str) -> str:
        """The URI responses carry for `rel`: kiln-relative, never the server's path."""
        return public_uri(rel)

    def put_file(self, local: Path, rel: str) -> str:
        self.fs.makedirs(posixpath.dirname(self._path(rel)), exist_ok=True)
        self.fs.put_file(str(local), self._path(rel))
        return self.uri(rel)

    def put_dir(self, local_dir: Path, rel: str) -> str:
        for f in sorted(Path(local_dir).rglob("*")):
            if f.is_file():
                self.put_file(f, posixpath.join(rel, f.relative_to(local_dir).as_posix()))
        return self.uri(rel)

    def get_file(self, rel: str, local: Path) -> Path:
        local.parent.mkdir(parents=True, exist_ok=True)
        self.fs.get_file(self._path(rel), str(local))
        return local

    def get_dir(self, rel: str, local_dir: Path) -> Path:
        base = self._path(rel)
        for f in self.fs.find(base):
            self.get_file(posixpath.relpath(f, self._base), local_dir / posixpath.relpath(f, base))
        return local_dir

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self._path(rel))

    def size(self, rel: str) -> int:
        path = self._path(rel)
        return sum(self.fs.du(path, total=False).values()) if self.fs.isdir(path) else self.fs.size(path)

    def delete(self, rel: str) -> None:
        if self.fs.exists(self._path(rel)):
            self.fs.rm(self._path(rel), recursive=True)

    def local_path(self, rel: str) -> Path | None:
        """The file's path when the store is a local directory (lets workers skip a copy)."""
        return Path(self._path(rel)) if _is_local(self.fs) else None


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
