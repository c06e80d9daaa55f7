"""Offline bundles: the documents needed to verify credentials with no network, as a folder tree.

A bundle is laid out like the web sites it mirrors, one folder per host, each document at the
path of its URL (``<host>/.well-known/did.json``, ``<host>/issuers/<slug>/did.json``,
``<host>/status/<school>/revocation/1``), so an independent verifier can map a URL to a file and
a static server can serve the folder as is. ``manifest.json`` at the top says when it was made:
the status it records is the status *as of* that date.

Reading does not depend on the layout: every JSON document anywhere in the tree that has an
``id`` is indexed by it (``*.json``, ``*.jsonld``, and files without an extension that hold JSON,
as a mirrored web site has them). Hidden folders (``.git``) are skipped, ``.well-known`` is not.

What to bundle for a set of credentials (``wanted``) is pure; fetching is the caller's (the
issuer reads its own documents from its database, the verifier fetches through its SSRF-safe
fetcher), and so is writing the files (``layout`` says where each goes).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from badges.errors import BadgeError
from badges.json_types import JsonObject
from badges.signing import format_datetime
from badges.verification_checks import display_date, parse_datetime
from badges.verification_report import CheckId, VerificationReport

__all__ = ["MANIFEST", "Bundle", "BundleError", "document_path", "manifest", "read_bundle", "stamp_status",
           "wanted"]

MANIFEST = "manifest.json"
MANIFEST_TYPE = "OfflineVerificationBundle"
MAX_FILES = 10_000
MAX_FILE_BYTES = 8 * 1024 * 1024
_READ_SUFFIXES = (".json", ".jsonld")


class BundleError(BadgeError):
    """A bundle cannot be read or written; the message says which file and why."""

    problem_type = "bundle-error"


@dataclass(frozen=True)
class Bundle:
    documents: dict[str, JsonObject]
    created: datetime | None = None  # from manifest.json; None for a bundle made by hand
    files: dict[str, str] = field(default_factory=dict)  # id → path inside the bundle (for messages)


# ---- reading ---------------------------------------------------------------------------------

def read_bundle(root: str | Path) -> Bundle:
    """Every JSON document with an ``id`` in the tree under ``root`` (first found wins, in
    sorted path order), and the manifest's date. Raises BundleError for a missing folder, a
    ``.json`` file that is not JSON, or a tree too large to be a bundle."""
    root = Path(root)
    if not root.is_dir():
        raise BundleError(f"{root}: not a directory")
    documents: dict[str, JsonObject] = {}
    files: dict[str, str] = {}
    by_path: dict[str, JsonObject] = {}
    listed: list[Any] = []
    created: datetime | None = None
    for path in _files(root):
        rel = path.relative_to(root).as_posix()
        value = _load(path, rel)
        if value is None:
            continue
        if rel == MANIFEST and isinstance(value, dict) and value.get("type") == MANIFEST_TYPE:
            created = _manifest_date(value, rel)
            listed = [d for d in _as_list(value.get("documents")) if isinstance(d, Mapping)]
            continue
        if isinstance(value, dict):
            by_path[rel] = value
        for doc in value if isinstance(value, list) else [value]:
            if isinstance(doc, dict) and isinstance(doc.get("id"), str) and doc["id"] not in documents:
                documents[doc["id"]] = doc
                files[doc["id"]] = rel
    # The manifest says which URL each file was fetched from: a status list whose own id differs
    # from the URL a badge names is still found under that URL.
    for entry in listed:
        ref, rel = entry.get("ref"), entry.get("path")
        if isinstance(ref, str) and isinstance(rel, str) and rel in by_path and ref not in documents:
            documents[ref] = by_path[rel]
            files[ref] = rel
    return Bundle(documents, created, files)


def _files(root: Path) -> Iterator[Path]:
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") or d == ".well-known")
        for name in sorted(names):
            if name.startswith("."):
                continue
            suffix = PurePosixPath(name).suffix.lower()
            if suffix and suffix not in _READ_SUFFIXES:
                continue
            count += 1
            if count > MAX_FILES:
                raise BundleError(f"{root} holds more than {MAX_FILES:,} candidate files; is it the right folder?")
            yield Path(folder) / name


def _load(path: Path, rel: str) -> Any:
    """The parsed JSON of a file; None for an extensionless file that is not JSON (a mirrored
    site may hold other things), an error for a ``.json`` file that is not."""
    strict = path.suffix.lower() in _READ_SUFFIXES
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            if strict:
                raise BundleError(f"{rel} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            return None
        text = path.read_bytes().decode("utf-8")
        return json.loads(text)
    except BundleError:
        raise
    except OSError as exc:
        raise BundleError(f"{rel} cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        if not strict:
            return None
        raise BundleError(f"{rel} is not readable JSON ({exc})") from None


def _manifest_date(value: Mapping[str, Any], rel: str) -> datetime:
    try:
        return parse_datetime(value.get("created"))
    except (TypeError, ValueError):
        raise BundleError(f"{rel}: 'created' is not a date-time with a time zone") from None


# ---- what a set of credentials needs -----------------------------------------------------------

def wanted(credentials: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ids/URLs to bundle for these credentials, in order, without repeats: each issuer's
    DID (did:web) or controller document (https) named by the proofs, and every status list
    credential; credentials bundled inside a CLR and endorsements included."""
    out: list[str] = []
    for credential in _all_credentials(credentials):
        for proof in _as_list(credential.get("proof")):
            method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
            if isinstance(method, str):
                _add(out, method.partition("#")[0])
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        if isinstance(issuer_id, str):
            _add(out, issuer_id)
        for entry in _as_list(credential.get("credentialStatus")):
            if isinstance(entry, Mapping):
                for key in ("statusListCredential", "id"):
                    url = entry.get(key)
                    wanted_key = key == "statusListCredential" or entry.get("type") == "1EdTechRevocationList"
                    if wanted_key and isinstance(url, str):
                        _add(out, url.partition("#")[0])
    return out


def _add(out: list[str], ref: str) -> None:
    if ref.startswith(("did:web:", "https://", "http://")) and ref not in out:
        out.append(ref)


def _all_credentials(credentials: Iterable[Mapping[str, Any]], depth: int = 0) -> Iterator[Mapping[str, Any]]:
    for credential in credentials:
        if not isinstance(credential, Mapping):
            continue
        yield credential
        if depth >= 4:
            continue
        nested: list[Any] = []
        for subject in _as_list(credential.get("credentialSubject")):
            if isinstance(subject, Mapping):
                nested += _as_list(subject.get("verifiableCredential"))
                achievement = subject.get("achievement")
                if isinstance(achievement, Mapping):
                    nested += _as_list(achievement.get("endorsement"))
        nested += _as_list(credential.get("endorsement"))
        yield from _all_credentials([n for n in nested if isinstance(n, Mapping)], depth + 1)


# ---- where each document goes --------------------------------------------------------------------

def document_path(ref: str) -> PurePosixPath:
    """The path inside a bundle of the document for a did:web DID or an http(s) URL: host folder,
    then the URL's path (DIDWEB "Read" for a DID; an IP host or port is kept, as a folder name).
    Raises BundleError for anything that cannot be laid out safely (``..``, no host)."""
    if ref.startswith("did:web:"):
        parts = ref.partition("#")[0].split(":")[2:]
        host = unquote(parts[0]) if parts else ""
        segments = [unquote(p) for p in parts[1:]] or [".well-known"]
        segments.append("did.json")
    elif ref.startswith(("https://", "http://")):
        split = urlsplit(ref)
        host = split.netloc.rpartition("@")[2]
        segments = split.path.split("/")[1:]
        if not segments or segments[-1] == "":
            segments = [*segments[:-1], "index.json"]
        if split.query:
            segments[-1] = f"{segments[-1]}%3F{split.query}"
    else:
        raise BundleError(f"{ref!r} is neither a did:web nor an http(s) URL, so it has no place in a bundle")
    host = host.lower()
    if not host or any(c in host for c in "/\\") or host.startswith("."):
        raise BundleError(f"{ref!r} has no usable host")
    for segment in segments:
        if segment in ("", ".", "..") or "/" in segment or "\\" in segment or "\x00" in segment:
            raise BundleError(f"{ref!r} cannot be laid out as a file (path segment {segment!r})")
    return PurePosixPath(host, *segments)


def manifest(*, created: datetime, credentials: Iterable[str], documents: Mapping[str, PurePosixPath | str],
             missing: Iterable[str] = ()) -> dict[str, Any]:
    """``manifest.json``: when the bundle was made (its status is as of then) and what is in it."""
    return {"type": MANIFEST_TYPE, "created": format_datetime(created), "credentials": list(credentials),
            "documents": [{"ref": ref, "path": str(path)} for ref, path in documents.items()],
            "missing": list(missing)}


# ---- "status as of" ------------------------------------------------------------------------------

def stamp_status(report: VerificationReport, bundle: Bundle) -> VerificationReport:
    """Say, in the status check, that the status is as of the bundle's date when every status list
    it read came from the bundle (nested reports too). Without a manifest date, unchanged."""
    if bundle.created is None:
        return report
    nested = tuple(stamp_status(n, bundle) for n in report.nested)
    checks = []
    for check in report.checks:
        if check.id is CheckId.STATUS and check.outcome in ("pass", "fail"):
            # a pass lists every entry; a fail is stamped only for a set bit (revoked / suspended: it
            # carries the list's purpose), never for a list that could not be read
            urls = [e.get("url") for e in check.details.get("entries", [])] if check.outcome == "pass" \
                else [check.details.get("url")] if check.details.get("purpose") else []
            if urls and all(isinstance(u, str) and u in bundle.documents for u in urls):
                when = display_date(bundle.created)
                check = replace(check, message=f"{check.message.rstrip('.')} — status as of {when}, the date of the "
                                               "offline bundle.",
                                details={**check.details, "asOf": bundle.created.isoformat()})
        checks.append(check)
    return replace(report, checks=tuple(checks), nested=nested)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
