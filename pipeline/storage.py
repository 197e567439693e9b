"""Where inputs come from and outputs go: local folders, or fsspec URLs
(file://, memory://, s3:// with s3fs installed, gs://, …).

Local paths take the plain os route (fast, symlink-loop aware). A remote
output is built in a local staging folder with the same atomic writes and
uploaded file by file when the run is complete, the manifest last: object
stores rename nothing atomically, so a reader checks the files against the
manifest's checksums. Files an earlier run left in the remote folder are not
removed.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from contextlib import contextmanager

LOCAL_PROTOCOLS = ("file",)


def protocol(url: str) -> str | None:
    """"s3" for s3://bucket/x, None for a plain path."""
    head, sep, _ = url.partition("://")
    return head.lower() if sep and head.isalnum() else None


def is_local(url: str) -> bool:
    return protocol(url) in (None, *LOCAL_PROTOCOLS)


def local_path(url: str) -> str:
    """A plain path for a local path or file:// URL."""
    return url[len("file://"):] if protocol(url) == "file" else url


def filesystem(url: str):
    import fsspec
    fs, path = fsspec.core.url_to_fs(url)
    return fs, path


def exists_folder(url: str) -> bool:
    return kind(url) == "folder"


def kind(url: str) -> str | None:
    """"folder", "file", or None when there is nothing at `url`."""
    if is_local(url):
        path = local_path(url)
        return "folder" if os.path.isdir(path) else "file" if os.path.exists(path) else None
    fs, path = filesystem(url)
    return "folder" if fs.isdir(path) else "file" if fs.isfile(path) else None


def list_remote(url: str) -> list[tuple[str, int]]:
    """(URL, size) of every file under a remote folder, sorted; hidden names skipped."""
    fs, root = filesystem(url)
    proto = protocol(url)
    out = []
    for path, info in fs.find(root, detail=True).items():
        rel = posixpath.relpath(path, root.rstrip("/") or "/")
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        full = f"memory://{path}" if proto == "memory" else f"{proto}://{path.lstrip('/')}"
        out.append((full, int(info.get("size") or 0)))
    return sorted(out)


def basename(url: str) -> str:
    """"raw" for raw/, /data/raw, file:///data/raw, s3://bucket/raw/."""
    if is_local(url):
        return os.path.basename(os.path.abspath(local_path(url)))
    return posixpath.basename(url.split("://", 1)[1].rstrip("/"))


def parent(url: str) -> str:
    """The folder holding `url` (a path or a URL of the same kind)."""
    if is_local(url):
        return os.path.dirname(os.path.abspath(local_path(url)))
    head, rest = url.split("://", 1)
    return f"{head}://{posixpath.dirname(rest.rstrip('/'))}"


def read_bytes(url: str) -> bytes:
    if is_local(url):
        with open(local_path(url), "rb") as f:
            return f.read()
    import fsspec
    with fsspec.open(url, "rb") as f:
        return f.read()


def relative(url: str, root: str) -> str:
    """"raw/a/b.txt": the input's path below the root, named by the root folder (a record's source.path)."""
    if is_local(url):
        path, base = local_path(url), local_path(root)
        return os.path.join(basename(root), os.path.relpath(path, base)).replace(os.sep, "/")
    root_path = root.split("://", 1)[1].rstrip("/")
    path = url.split("://", 1)[1]
    if protocol(url) == "memory":   # memory:// paths are rooted at "/"
        root_path, path = "/" + root_path.lstrip("/"), "/" + path.lstrip("/")
    return posixpath.join(posixpath.basename(root_path), posixpath.relpath(path, root_path))


@contextmanager
def output_folder(url: str):
    """A local folder to write the outputs in; for a remote URL, uploaded on success."""
    if is_local(url):
        yield local_path(url)
        return
    staging = tempfile.mkdtemp(prefix="tiku-out-")
    try:
        yield staging
        fs, path = filesystem(url)
        fs.makedirs(path, exist_ok=True)
        files = []
        for base, _, names in os.walk(staging):
            files += [os.path.relpath(os.path.join(base, n), staging) for n in names]
        # the manifest goes last: it names the checksums of everything else
        files.sort(key=lambda rel: (rel == "manifest.json", rel))
        for rel in files:
            fs.put_file(os.path.join(staging, rel), posixpath.join(path, *rel.split(os.sep)))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
