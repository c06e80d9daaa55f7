"""A badge's offline bundle as one download: the badge plus every document needed to verify it
with no network (its issuer's DID document and its status list credential), in the format of
``badges bundle`` (``badges.bundle``: one folder per host, each document at its URL's path, and
``manifest.json`` dating the status it records). Unzipped, it is what ``badges verify --documents``
reads::

    data-storyteller-1a2b3c4d-offline/
      data-storyteller-1a2b3c4d.json          the badge, exactly as signed
      manifest.json                           when (status as of), what is inside
      127.0.0.1:8000/issuers/lincoln/did.json
      127.0.0.1:8000/status/lincoln/revocation/1
      README.txt

The documents are this service's own, read from its database (``local_documents``), the same
answer the issuer's ``badges bundle`` plugin gives; a status list is the signed text as stored.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from badges.bundle import MANIFEST, BundleError, document_path, manifest, wanted
from issuer.context import IssuerContext
from issuer.credentials import local_documents
from issuer.credentials.rows import IssuedCredentialRow

__all__ = ["bundle_zip"]

_ROUNDS = 3  # a status list names its signer's DID document: a second round reads it
README = """Offline verification bundle
===========================

{name}.json is the badge, exactly as its school signed it. The other files are the documents a
verifier needs to check it with no network: the school's DID document (its public keys) and the
status list that says whether the badge was revoked, as of {created} (see manifest.json).

To verify it offline with the badges tool:

    badges verify --documents . {name}.json
"""


async def _documents(ctx: IssuerContext, credential: dict[str, object]) -> tuple[dict[str, str], list[str]]:
    found: dict[str, str] = {}
    refs = wanted([credential])
    for _ in range(_ROUNDS):
        for ref in refs:
            if ref not in found and local_documents.is_local(ctx, ref):
                text = await local_documents.lookup_text(ctx, ref)
                if text is not None:
                    found[ref] = text
        more = [r for r in wanted([json.loads(t) for t in found.values()]) if r not in refs]
        if not more:
            break
        refs += more
    return found, [r for r in refs if r not in found]


async def bundle_zip(ctx: IssuerContext, row: IssuedCredentialRow, *, name: str, now: datetime) -> bytes:
    """The zip of the badge's offline bundle, every file under the folder ``<name>-offline/``."""
    credential = json.loads(row.document)
    found, missing = await _documents(ctx, credential)
    paths = {}
    for ref in list(found):
        try:
            paths[ref] = document_path(ref)
        except BundleError:
            del found[ref]
            missing.append(ref)
    folder = f"{name}-offline"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/{name}.json", row.document.encode("utf-8"))  # byte for byte as signed
        for ref, path in paths.items():
            archive.writestr(f"{folder}/{path}", found[ref].encode("utf-8"))
        ids = [credential["id"]] if isinstance(credential.get("id"), str) else []
        archive.writestr(f"{folder}/{MANIFEST}", json.dumps(
            manifest(created=now, credentials=ids, documents=paths, missing=missing), indent=2,
            ensure_ascii=False) + "\n")
        archive.writestr(f"{folder}/README.txt", README.format(name=name, created=now.isoformat(timespec="minutes")))
    return out.getvalue()
