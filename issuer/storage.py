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
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from issuer.errors import FileTooLarge, InvalidInput, NotFound, UnsupportedMediaType
from issuer.settings import Settings, private_dir

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


# Sniffing a ZIP must cost little whatever the archive claims: the central directory's sizes and
# counts are attacker-controlled, and one highly compressed member can expand a thousandfold.
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024
MIMETYPE_READ_LIMIT = 128  # "application/vnd.oasis.opendocument.text" is 39 bytes
_EOCD = struct.Struct("<4s4H2LH")
ODT = "application/vnd.oasis.opendocument.text"


def _zip_directory_is_small(data: bytes) -> bool:
    """Whether the end-of-central-directory record announces a directory we can afford to parse.

    ``zipfile.ZipFile`` builds one object per directory entry before we see any of them, so
    the count and size are checked first (ZIP64 archives, which only huge files need, are refused).
    """
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - (_EOCD.size + 0xFFFF)))
    if at < 0 or len(data) - at < _EOCD.size:
        return False
    _sig, _disk, _cd_disk, _here, total, cd_size, _cd_offset, _comment = _EOCD.unpack_from(data, at)
    if total == 0xFFFF or cd_size == 0xFFFFFFFF:
        return False
    return bool(total <= MAX_ZIP_MEMBERS and cd_size <= MAX_ZIP_DIRECTORY_BYTES)


def _sniff_zip(data: bytes) -> str | None:
    if not _zip_directory_is_small(data):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()[:MAX_ZIP_MEMBERS]
            names = {info.filename for info in infos}
            mimetype = next((i for i in infos if i.filename == "mimetype"), None)
            # Only stored/deflated members are read: zipfile bounds deflate output by the size
            # asked for, but bzip2/lzma chunks decompress without a bound.
            if mimetype is not None and mimetype.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                with z.open(mimetype) as fh:
                    head = fh.read(MIMETYPE_READ_LIMIT + 1)
                    if len(head) <= MIMETYPE_READ_LIMIT and head.strip() == ODT.encode():
                        return ODT
            if "[Content_Types].xml" in names:
                for prefix, media in (("word/", "wordprocessingml.document"),
                                      ("ppt/", "presentationml.presentation"),
                                      ("xl/", "spreadsheetml.sheet")):
                    if any(n.startswith(prefix) for n in names):
                        return "application/vnd.openxmlformats-officedocument." + media
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError,
            KeyError, OSError, ValueError, zlib.error):
        return None
    return None


# What a browser (or an old one's content sniffer) skips before deciding a text is markup:
# BOMs, Unicode blanks, zero-width and control characters.
_LEADING_MARKUP = re.compile(r"[\s\ufeff\u200b-\u200d\u2060\x01-\x08\x0e-\x1f]*<")
# Legacy sniffers took a file for HTML when one of these tags appeared in its first few hundred
# bytes, wherever it stood; UTF-7 ("+ADw-" is "<") carried the same attack past byte filters.
_MARKUP_ANYWHERE = re.compile(
    r"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|style|plaintext|\?xml)"
    r"|\+ADw-", re.I)
_SNIFF_WINDOW = 1024


def _sniff_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None  # UTF-16/32 (with or without a BOM) and binaries: downloads are UTF-8 text only
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # markup is refused as "text": a .txt that is really HTML/SVG could be rendered inline
    if _LEADING_MARKUP.match(text) or _MARKUP_ANYWHERE.search(text[:_SNIFF_WINDOW]):
        return None
    return "text/plain"


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
    return _sniff_text(data)


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
    def __init__(self, root: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
                 allowed: frozenset[str] | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.allowed = allowed if allowed is not None else frozenset(ALLOWED)

    @classmethod
    def from_settings(cls, settings: Settings) -> FileStore:
        """The store of uploads (evidence files, badge images) under ``settings.upload_dir``."""
        return cls(settings.upload_dir, max_bytes=settings.max_upload_bytes)

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

    def delete(self, sha256: str) -> bool:
        """Remove a stored file (an erasure on request); False when it was not there."""
        try:
            self.path_for(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("no such file") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise NotFound("stored file is corrupt")
        return data
