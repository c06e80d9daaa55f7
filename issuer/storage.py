"""Content-addressed file store for evidence and badge images.

A file is stored under ``<root>/<aa>/<sha256>``: the name on disk is the hash and nothing
else, so no client-supplied name ever reaches the filesystem. The original filename is
metadata only, cleaned by :func:`clean_filename`. Types are sniffed from magic bytes
against an allow-list; the declared Content-Type is ignored.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from issuer.services.learning_errors import FileTooLarge, InvalidInput, NotFound, UnsupportedMediaType
from issuer.settings import private_dir

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

# media type -> conventional extension (for Content-Disposition only)
ALLOWED = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "text/plain": "txt",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "audio/mpeg": "mp3",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    media_type: str
    size: int
    name: str


def _sniff_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "mimetype" in names and z.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                return "application/vnd.oasis.opendocument.text"
            if "[Content_Types].xml" in names:
                for prefix, media in (("word/", "wordprocessingml.document"),
                                      ("ppt/", "presentationml.presentation"),
                                      ("xl/", "spreadsheetml.sheet")):
                    if any(n.startswith(prefix) for n in names):
                        return "application/vnd.openxmlformats-officedocument." + media
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The media type from the content's magic bytes, or None when not on the allow-list."""
    head = data[:64]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        # markup is refused as "text": a .txt that is really HTML/SVG could be rendered inline
        if re.match(r"\s*<", text):
            return None
        return "text/plain"
    return None


def clean_filename(name: str | None, *, default: str = "file") -> str:
    """A display name with no path, no control characters and no leading dots (metadata only)."""
    if not name:
        return default
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[<>:\"|?*]", "_", name).strip().lstrip(".").strip()
    return name[:200] or default


def check_hash(sha256: str) -> str:
    if not isinstance(sha256, str) or not _HEX64.match(sha256):
        raise NotFound("no such file")
    return sha256


class FileStore:
    def __init__(self, root: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 allowed: frozenset[str] | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.allowed = allowed if allowed is not None else frozenset(ALLOWED)

    def path_for(self, sha256: str) -> Path:
        sha256 = check_hash(sha256)
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes, *, filename: str | None = None,
            allowed: frozenset[str] | None = None) -> StoredFile:
        if len(data) > self.max_bytes:
            raise FileTooLarge(f"file is larger than {self.max_bytes} bytes", limit=self.max_bytes,
                               size=len(data))
        if not data:
            raise InvalidInput("file is empty")
        media_type = sniff(data)
        if media_type is None or media_type not in (allowed or self.allowed):
            raise UnsupportedMediaType("file type not allowed (allowed: "
                                       + ", ".join(sorted(allowed or self.allowed)) + ")")
        digest = hashlib.sha256(data).hexdigest()
        self.write(digest, data)
        return StoredFile(sha256=digest, media_type=media_type, size=len(data),
                          name=clean_filename(filename, default=f"file.{ALLOWED.get(media_type, 'bin')}"))

    def write(self, digest: str, data: bytes) -> None:
        target = self.path_for(digest)
        if target.exists():
            return  # same hash, same bytes: nothing to overwrite
        # 0700 root and fan-out directories (an older 0755 root narrowed); mkstemp makes files 0600.
        private_dir(self.root)
        private_dir(target.parent)
        # write-then-rename so a reader never sees a half-written file
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("no such file") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise NotFound("stored file is corrupt")
        return data
