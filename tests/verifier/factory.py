"""Signed fixtures and a fake internet for the verifier tests (fixed seed, fixed clock).

``World`` signs a full-featured badge (rubric, results, evidence, competencies, revocation and
suspension status entries) as ``did:web:lincoln.example`` and serves the DID document and the
status lists through an ``httpx.MockTransport`` with a fake DNS. Bad twins are derived from the
good fixtures; every test gets fresh copies.
"""
from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from badges import bake
from badges.competencies import Competency
from badges.issuance import build_achievement, build_credential, evidence_item
from badges.jsonld import DID_V1, MULTIKEY_V1
from badges.rubrics import Criterion, Rubric, to_results
from badges.signing import Ed25519Signer, sign
from badges.status import BitstringStatusList, status_entry, status_list_credential
from badges.transcript import build_clr
from tests.support import NOW, SEED
from verifier.config import VerifierConfig

ISSUER = "did:web:lincoln.example"
OTHER = "did:web:other.example"
STATUS_REVOCATION = "https://lincoln.example/status/revocation"
STATUS_SUSPENSION = "https://lincoln.example/status/suspension"
REVOKED_INDEX, SUSPENDED_INDEX, GOOD_INDEX = 41, 42, 7
PUBLIC_IP = "93.184.216.34"
DNS = {
    "lincoln.example": [PUBLIC_IP],
    "other.example": ["93.184.216.35"],
    "hosted.example": ["93.184.216.36"],
    "slow.example": ["93.184.216.37"],
    "internal.example": ["10.1.2.3"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": [PUBLIC_IP, "192.168.1.1"],
    "v6loop.example": ["::1"],
}


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (48, 48), (26, 127, 55)).save(out, format="PNG")
    return out.getvalue()


TINY_PNG = _png()
TINY_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4" cx="5" cy="5"/></svg>'


def fake_dns(host: str, port: int) -> list[str]:
    from verifier.fetch import FetchError

    if host in DNS:
        return list(DNS[host])
    raise FetchError(f"the host {host!r} could not be resolved (fake DNS)", host=host)


def did_document(did: str, signer: Ed25519Signer, fragment: str = "key-1") -> dict:
    vm = f"{did}#{fragment}"
    return {"@context": [DID_V1, MULTIKEY_V1], "id": did,
            "verificationMethod": [{"id": vm, "type": "Multikey", "controller": did,
                                    "publicKeyMultibase": signer.public_key.multibase}],
            "assertionMethod": [vm], "authentication": [vm]}


class FakeWeb:
    """An in-process internet: exact URL → handler; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[httpx.Request], httpx.Response]] = {}
        self.requests: list[str] = []

    def json(self, url: str, document: object, *, headers: dict | None = None) -> None:
        body = json.dumps(document).encode()
        self.routes[url] = lambda _r: httpx.Response(200, content=body, headers={
            "content-type": "application/json", **(headers or {})})

    def raw(self, url: str, body: bytes, content_type: str) -> None:
        self.routes[url] = lambda _r: httpx.Response(200, content=body, headers={"content-type": content_type})

    def status(self, url: str, code: int) -> None:
        self.routes[url] = lambda _r: httpx.Response(code, content=b"unavailable")

    def redirect(self, url: str, location: str) -> None:
        self.routes[url] = lambda _r: httpx.Response(302, headers={"location": location})

    def slow(self, url: str, *, chunks: int = 20, delay: float = 0.1) -> None:
        def stream() -> Iterator[bytes]:
            yield b'{"a": "'
            for _ in range(chunks):
                time.sleep(delay)
                yield b"x" * 10
            yield b'"}'

        self.routes[url] = lambda _r: httpx.Response(200, stream=_Stream(stream()),
                                                     headers={"content-type": "application/json"})

    def huge(self, url: str, size: int, *, declare: bool = False) -> None:
        def stream() -> Iterator[bytes]:
            sent = 0
            while sent < size:
                yield b" " * 65536
                sent += 65536

        headers = {"content-type": "application/json"}
        if declare:
            headers["content-length"] = str(size)
        self.routes[url] = lambda _r: httpx.Response(200, stream=_Stream(stream()), headers=headers)

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        route = self.routes.get(url)
        if route is None:
            return httpx.Response(404, content=b"not found")
        return route(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


class _Stream(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks


class World:
    """The Lincoln High School issuer, its published documents and its signed badges."""

    def __init__(self) -> None:
        self.signer = Ed25519Signer.from_seed(SEED).with_verification_method(f"{ISSUER}#key-1")
        self.other_signer = Ed25519Signer.from_seed(bytes(range(1, 33))).with_verification_method(f"{OTHER}#key-1")
        self.wrong_key = Ed25519Signer.from_seed(bytes(32)).with_verification_method(f"{ISSUER}#key-1")
        self.issuer = {"id": ISSUER, "type": ["Profile"], "name": "Lincoln High School",
                       "url": "https://lincoln.example/"}
        self.did_documents = {ISSUER: did_document(ISSUER, self.signer), OTHER: did_document(OTHER, self.other_signer)}
        revocation = BitstringStatusList()
        revocation.set(REVOKED_INDEX, True)
        suspension = BitstringStatusList()
        suspension.set(SUSPENDED_INDEX, True)
        self.status_lists = {
            STATUS_REVOCATION: self._status_list(STATUS_REVOCATION, "revocation", revocation),
            STATUS_SUSPENSION: self._status_list(STATUS_SUSPENSION, "suspension", suspension),
        }
        self.web = FakeWeb()
        self.web.json("https://lincoln.example/.well-known/did.json", self.did_documents[ISSUER])
        self.web.json("https://other.example/.well-known/did.json", self.did_documents[OTHER])
        for url, doc in self.status_lists.items():
            self.web.json(url, doc, headers={"cache-control": "max-age=60"})
        self._badge = self.badge()

    def _status_list(self, url: str, purpose: str, bits: BitstringStatusList) -> dict:
        unsigned = status_list_credential(list_url=url, issuer={"id": ISSUER},
                                          purpose=purpose, encoded_list=bits.encode(),
                                          valid_from=NOW - timedelta(days=30))
        return sign(unsigned, signer=self.signer, created=NOW - timedelta(days=30))

    # ---- credentials ---------------------------------------------------------------------------

    def unsigned_badge(self, *, index: int = GOOD_INDEX, purpose: str = "revocation", issued_at: datetime | None = None,
                       valid_until: datetime | None = None, name: str = "Scientific Inquiry",
                       credential_id: str = "urn:uuid:4f1b8a6e-2a59-4d3c-9b1a-0c7f3f0e9a11") -> dict:
        rubric = Rubric(id="https://lincoln.example/rubrics/inquiry", name="Inquiry rubric", criteria=(
            Criterion(id="question", name="Asks a testable question", required_level=3),
            Criterion(id="evidence", name="Uses evidence to support claims", required_level=3),
        ))
        achievement_id = "https://lincoln.example/achievements/inquiry"
        competency = Competency(id="sci-1", code="SCI.1", name="Scientific inquiry", kind="academic",
                                framework="Lincoln Science Framework",
                                url="https://lincoln.example/frameworks/science/sci-1")
        achievement = build_achievement(
            id=achievement_id, name=name, description="Designs and carries out a scientific investigation.",
            criteria_narrative="Rated at Proficient or above on every criterion of the inquiry rubric.",
            rubric=rubric, competencies=[competency], image={"id": "https://lincoln.example/images/inquiry.png",
                                                             "type": "Image"})
        results = to_results(rubric, {"question": 4, "evidence": 3}, base_id=achievement_id)
        evidence = [evidence_item(id="https://lincoln.example/evidence/991", name="Pond water investigation",
                                  narrative="Lab report with data tables and conclusions.")]
        status = status_entry(list_url=STATUS_REVOCATION if purpose == "revocation" else STATUS_SUSPENSION,
                              index=index, purpose=purpose)
        unsigned = build_credential(
            achievement=achievement, subject_id="did:example:student-ada", identifier=None, issuer=self.issuer,
            results=results, evidence=evidence, credential_id=credential_id,
            issued_at=issued_at or NOW - timedelta(days=10), status=status, valid_until=valid_until)
        return unsigned

    def sign(self, document: dict, *, signer: Ed25519Signer | None = None, created: datetime | None = None) -> dict:
        return sign(document, signer=signer or self.signer, created=created or NOW - timedelta(days=10))

    def badge(self, **kwargs) -> dict:
        if not kwargs and hasattr(self, "_badge"):
            return copy.deepcopy(self._badge)
        return self.sign(self.unsigned_badge(**kwargs))

    def clr(self, badges: list[dict]) -> dict:
        unsigned = build_clr(badges, learner={"id": "did:example:student-ada", "name": "Ada Lovelace"},
                             issuer=self.issuer, clr_id="urn:uuid:8a0c0f54-7d0e-4a7b-a1f4-6b9f8f7a5c21",
                             issued_at=NOW - timedelta(days=1), name="Ada Lovelace's transcript")
        return self.sign(unsigned, created=NOW - timedelta(days=1))

    def png(self, payload: str) -> bytes:
        return bake.bake_png(TINY_PNG, payload)

    def svg(self, payload: str) -> bytes:
        return bake.bake_svg(TINY_SVG, payload)

    def config(self, **overrides) -> VerifierConfig:
        settings = dict(transport=self.web.transport(), resolve_host=fake_dns, clock=lambda: NOW,
                        report_cache_ttl=0)
        settings.update(overrides)
        return VerifierConfig(**settings)


def pdf_with_attachment(payload: bytes, name: str = "transcript.clr.json") -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment(name, payload)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_documents(directory: Path, documents: list[dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for n, doc in enumerate(documents):
        (directory / f"doc{n}.json").write_text(json.dumps(doc), encoding="utf-8")
    return directory


UTC = UTC
