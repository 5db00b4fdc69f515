"""Fetching dataset files: mirror after mirror, each file verified before it is trusted.

Every download goes to a temporary file in the destination folder and is renamed to its final
name only after its checksum passed, so an interrupted or wrong download (a dead host may answer
200 with an HTML page) leaves nothing behind that a later run would use.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import io
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from tqdm import tqdm

from zerodl import __version__
from zerodl.datasets.sources import ArchiveSource, DatasetSpec
from zerodl.errors import DataError

_CHUNK = 1 << 20
NETWORK_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException, ValueError)


def _digest(stream, algorithm: str = "md5") -> str:
    h = hashlib.new(algorithm, usedforsecurity=False)
    while chunk := stream.read(_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def verify_file(path: Path, spec: DatasetSpec, name: str | None = None) -> str | None:
    """None when `path` matches a known checksum for file `name` in `spec`, else the reason."""
    name = name or path.name
    with open(path, "rb") as f:
        gz_md5 = _digest(f)
    if spec.gz_md5.get(name) == gz_md5:
        return None
    if name in spec.content_md5:
        try:
            with gzip.open(path, "rb") as f:
                content_md5 = _digest(f)
        except (OSError, EOFError, zlib.error):
            return f"checksum mismatch (md5 {gz_md5}) and not valid gzip"
        if spec.content_md5[name] == content_md5:
            return None
        return f"checksum mismatch (md5 {gz_md5}, decompressed md5 {content_md5})"
    return f"checksum mismatch (md5 {gz_md5}, expected {spec.gz_md5.get(name)})"


def _stream_to_temp(url: str, folder: Path, timeout: float, progress: bool) -> Path:
    request = urllib.request.Request(url, headers={"User-Agent": f"zerodl/{__version__}"})
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".download-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as r:
            total = r.headers.get("Content-Length")
            with tqdm(total=int(total) if total else None, unit="B", unit_scale=True,
                      desc=url.rsplit("/", 1)[-1], disable=not progress, leave=False) as bar:
                while chunk := r.read(_CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
            if total is not None and out.tell() != int(total):
                raise http.client.IncompleteRead(b"", int(total) - out.tell())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _describe(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return str(error)
    return str(getattr(error, "reason", error))


def _install_verified(tmp: Path, final: Path, spec: DatasetSpec) -> str | None:
    """Rename tmp to final when it verifies; otherwise delete it and return the reason."""
    reason = verify_file(tmp, spec, name=final.name)
    if reason is not None:
        tmp.unlink(missing_ok=True)
        return reason
    os.chmod(tmp, 0o644)
    os.replace(tmp, final)
    return None


def _ar_members(f):
    """Yield (name, size) of each member of an ar archive (a .deb), leaving f at its data."""
    if f.read(8) != b"!<arch>\n":
        raise DataError("not a Debian package: missing the ar archive signature")
    while len(header := f.read(60)) == 60:
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip() or 0)
        start = f.tell()
        yield name, size
        f.seek(start + size + size % 2)


def _extract_from_deb(deb: Path, archive: ArchiveSource, wanted: list[str], dest: Path,
                      spec: DatasetSpec) -> list[str]:
    """Install the wanted files from a verified .deb; return problems for those that failed."""
    problems = []
    with open(deb, "rb") as f:
        for name, size in _ar_members(f):
            if name.startswith("data.tar"):
                payload = io.BytesIO(f.read(size))
                break
        else:
            return [f"{archive.url}: no data.tar member in the package"]
    with tarfile.open(fileobj=payload, mode="r:*") as tar:
        members = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}
        for filename in wanted:
            member = members.get(archive.member_dir + filename)
            if member is None:
                problems.append(f"{archive.url}: package has no {archive.member_dir}{filename}")
                continue
            fd, tmp_name = tempfile.mkstemp(dir=dest, prefix=".extract-")
            with os.fdopen(fd, "wb") as out, tar.extractfile(member) as src:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
            reason = _install_verified(Path(tmp_name), dest / filename, spec)
            if reason:
                problems.append(f"{archive.url} ({filename}): {reason}")
    return problems


def download_dataset(spec: DatasetSpec, dest: Path, files: tuple[str, ...], *,
                     timeout: float = 30.0, progress: bool = False) -> list[str]:
    """Fetch the missing `files` of `spec` into `dest`, trying every mirror, then every archive.

    Returns the problems met on the way (one line each); the files that ended in `dest` verified.
    A checksum mismatch moves on to the next mirror exactly as a network error does.
    """
    dest.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for filename in files:
        if (dest / filename).exists():
            continue
        for base in spec.mirrors:
            url = base + filename
            try:
                tmp = _stream_to_temp(url, dest, timeout, progress)
            except NETWORK_ERRORS as e:
                problems.append(f"{url}: {_describe(e)}")
                continue
            reason = _install_verified(tmp, dest / filename, spec)
            if reason is None:
                break
            problems.append(f"{url}: {reason}")
    for archive in spec.archives:
        missing = [f for f in files if not (dest / f).exists()]
        if not missing:
            break
        try:
            deb = _stream_to_temp(archive.url, dest, timeout, progress)
        except NETWORK_ERRORS as e:
            problems.append(f"{archive.url}: {_describe(e)}")
            continue
        try:
            with open(deb, "rb") as f:
                digest = _digest(f, "sha256")
            if digest != archive.sha256:
                problems.append(f"{archive.url}: checksum mismatch (sha256 {digest})")
                continue
            problems.extend(_extract_from_deb(deb, archive, missing, dest, spec))
        except (tarfile.TarError, DataError, ValueError, OSError) as e:
            problems.append(f"{archive.url}: unreadable package ({e})")
        finally:
            deb.unlink(missing_ok=True)
    return problems
