"""The verification use case: whatever a person holds → one ``VerificationReport``.

Input sniffing (in this order): a JSON object; bytes that are a PDF (the transcript's attached
CLR, via ``badges.pdf_input``); an https URL of a hosted credential (fetched through the safe
``Fetcher``, then sniffed again, once); anything else — JSON text, a compact JWS, a baked PNG or
SVG — goes to the engine's parser as is. Problems with the *request* (too large, not https, a PDF
without a credential, a URL that cannot be fetched) raise ``InputError`` (→ 4xx problem details);
problems with the *credential* are failed checks in the report.

The pure pipeline (``badges.verification.verify_credential``) runs in a worker thread under a time
budget (``verifier.budget``); past it the report fails the check that was running. Key resolution
is did:key → offline bundle → live did:web / https controller documents → the fragment fallback,
and status lists come from the bundle or the network (``verifier.fetch``).

A verified report is kept for ``report_cache_ttl`` seconds for byte-identical input (a QR code is
scanned many times). That never outlives the credential's ``validUntil``, failures are never
cached, and the status it reports is at most as old as the status-list cache already allows.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import threading
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import anyio
import msgspec
from cachetools import LRUCache

from badges.bundle import stamp_status
from badges.errors import ResolutionError
from badges.json_types import JsonObject
from badges.signing.resolve import KeyResolver, VerificationMethod
from badges.trust import TrustRegistry
from badges.verification import CheckId, CheckResult, VerificationReport, VerifiedStatusLists, verify_credential
from badges.verification_checks import parse_datetime
from verifier.budget import BudgetExceeded, run_with_budget
from verifier.config import VerifierConfig
from verifier.fetch import (
    Fetcher,
    FetchError,
    FetchLimits,
    OfflineBundle,
    UnsafeUrl,
    did_web_url,
    document_fetcher,
    resolver_chain,
)
from verifier.links import LINK_ACCEPT, credential_link, is_html

__all__ = ["InputError", "NotAMap", "Verification", "VerifierService", "vcapi_document", "verify"]

_PNG = b"\x89PNG\r\n\x1a\n"


class InputError(Exception):
    """The request cannot be verified at all (as opposed to a credential that fails a check)."""

    status = 400
    problem_type = "bad-input"
    title = "The input cannot be verified"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InputTooLarge(InputError):
    status = 413
    problem_type = "too-large"
    title = "The input is too large"


class UnsafeInputUrl(InputError):
    problem_type = "unsafe-url"
    title = "This link cannot be fetched"


class UnreachableInputUrl(InputError):
    status = 422
    problem_type = "url-unreachable"
    title = "The credential at this link could not be retrieved"


class NotAMap(InputError):
    """VC-API: the secured document must be a JSON object (DI §4.4 step 1, PARSING_ERROR); the one
    string form allowed is a compact JWS (VC-JWT)."""

    problem_type = "parsing-error"
    title = "The credential is not a JSON object"


_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def vcapi_document(value: Any, noun: str = "verifiableCredential") -> JsonObject | str:
    """A VC-API body's credential as given: an object, or a string only when it is a compact JWS.

    JSON text inside a JSON string (``"{\"@context\": …}"``) is not a map, so Data Integrity
    requires an error rather than a second parse; ``/verify`` still reads JSON text."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and _COMPACT_JWS.match(value.strip()):
        return value.strip()
    got = "a string that is not a compact JWS" if isinstance(value, str) else type(value).__name__
    raise NotAMap(f"{noun} must be a JSON object (or a VC-JWT compact JWS), not {got}.")


class PdfInput(InputError):
    problem_type = "pdf-input"
    title = "No credential could be taken from this PDF"


@dataclass(frozen=True)
class Verification:
    """A report plus what the service knows about how it was produced."""

    report: VerificationReport
    checked_at: datetime
    source: str  # json | text | image | pdf | url
    url: str | None = None
    cached: bool = False
    elapsed_ms: float = 0.0
    body: bytes | None = field(default=None, repr=False, compare=False)  # what a link returned, as returned


class _Stage:
    """Which check the worker is in, so a budget overrun names it."""

    def __init__(self) -> None:
        self.current = CheckId.PROOF


class _TracingResolver:
    def __init__(self, inner: KeyResolver, stage: _Stage) -> None:
        self._inner, self._stage = inner, stage

    def resolve(self, vm_id: str) -> VerificationMethod:
        before, self._stage.current = self._stage.current, CheckId.ISSUER_KEY
        try:
            return self._inner.resolve(vm_id)
        finally:
            self._stage.current = before


class VerifierService:
    """Holds what outlives one request: the fetcher (and its cache), the bundle, the report cache."""

    def __init__(self, config: VerifierConfig | None = None) -> None:
        self.config = config = config or VerifierConfig()
        self.bundle = OfflineBundle(config.documents_dir) if config.documents_dir is not None else None
        self.fetcher = Fetcher(
            transport=config.transport, allow_private_networks=config.allow_private_networks,
            resolve_host=config.resolve_host,
            limits=FetchLimits(connect_timeout=config.connect_timeout, read_timeout=config.read_timeout,
                               total_timeout=config.fetch_timeout, max_bytes=config.max_document_bytes,
                               max_redirects=config.max_redirects, max_depth=config.max_json_depth,
                               default_ttl=config.cache_ttl, max_ttl=config.max_cache_ttl))
        live = self.fetcher if config.online else None
        self.resolver = resolver_chain(bundle=self.bundle, fetcher=live)
        self.fetch_document = document_fetcher(bundle=self.bundle, fetcher=live)
        # Status lists whose proof verified, by content hash: no longer than the fetch cache keeps them.
        self.status_lists = VerifiedStatusLists(ttl=min(config.cache_ttl, config.max_cache_ttl))
        self._limiter = anyio.CapacityLimiter(config.max_concurrent)
        # (expires, verification) by input, least recently used first out; expiry on config.clock
        self._reports: LRUCache[str, tuple[datetime, Verification]] = LRUCache(config.report_cache_entries)
        # Single flight: identical input arriving while it is being verified waits for that run.
        self._inflight: dict[str, anyio.Event] = {}
        self._shared: LRUCache[str, Verification] = LRUCache(64)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.fetcher.close()

    async def trust(self) -> TrustRegistry:
        base = self.config.trust
        if self.config.trust_source is None:
            return base
        extra = self.config.trust_source()
        if isinstance(extra, Awaitable):
            extra = await extra
        if not len(extra):
            return base
        return TrustRegistry([*base.values(), *extra.values()])

    # ---- the use case ---------------------------------------------------------------------

    async def verify(self, raw: bytes | str | JsonObject, *, source: str | None = None,
                     allow_url: bool = True) -> Verification:
        """Verify ``raw``; raises ``InputError`` for requests that cannot be verified at all.

        ``allow_url=False`` (VC-API bodies) treats a link as text, which then fails to parse:
        only the endpoints meant for links make the verifier fetch anything on a caller's behalf."""
        config = self.config
        if allow_url and isinstance(raw, (bytes, bytearray)) and len(raw) < 4096 \
                and raw.lstrip()[:4].lower() == b"http":
            with contextlib.suppress(UnicodeDecodeError):
                raw = bytes(raw).decode("utf-8")
        if allow_url and isinstance(raw, str) and _looks_like_url(raw):
            return await self._verify_url(raw.strip())
        data = _sized(raw, config)
        if isinstance(data, bytes) and data[:1024].lstrip()[:5] == b"%PDF-":
            text = await self._pdf_within_budget(data)
            return await self._run(text.encode("utf-8"), source="pdf")
        if isinstance(data, bytes) and len(data) > config.max_input_bytes:
            raise InputTooLarge(f"The input is larger than the {config.max_input_bytes:,} bytes this verifier accepts.")
        if source is None:
            source = "json" if isinstance(data, dict) else "image" if _is_image(data) else "text"
        return await self._run(data, source=source)

    async def _pdf_within_budget(self, data: bytes) -> str:
        try:
            return await run_with_budget(lambda: self._pdf_credential(data), budget=self.config.time_budget,
                                         limiter=self._limiter)
        except BudgetExceeded:
            raise PdfInput(f"This PDF could not be read within {self.config.time_budget:g} seconds.") from None

    def _pdf_credential(self, data: bytes) -> str:
        from badges import pdf_input as inputs_pdf  # pypdf: loaded with the first PDF

        try:
            return inputs_pdf.extract_credential(data, max_bytes=self.config.max_input_bytes,
                                                 max_pdf_bytes=self.config.max_pdf_bytes)
        except inputs_pdf.PdfInputError as exc:
            raise PdfInput(f"No credential could be taken from this PDF: {exc}.") from None

    async def _get_link(self, url: str, target: str) -> tuple[bytes, str]:
        """GET ``target`` (``url`` itself, or the credential its page links) for ``_verify_url``."""
        try:
            cap = max(self.config.max_pdf_bytes, self.config.max_input_bytes)  # a hosted transcript PDF
            return await run_with_budget(lambda: self.fetcher.get_bytes(target, max_bytes=cap, accept=LINK_ACCEPT),
                                         budget=self.config.time_budget, limiter=self._limiter)
        except UnsafeUrl as exc:
            raise UnsafeInputUrl(f"This link cannot be fetched: {exc.message}.", url=url) from None
        except FetchError as exc:
            raise UnreachableInputUrl(f"The credential at this link could not be retrieved: {exc.message}.",
                                      url=url) from None
        except BudgetExceeded:
            raise UnreachableInputUrl("The credential at this link took too long to retrieve.", url=url) from None

    async def _verify_url(self, url: str) -> Verification:
        """A pasted link: the credential itself, or a page that serves it by content negotiation
        (``Accept`` asks for the credential first) or names it as ``<link rel="alternate"
        type="application/vc+ld+json">``, which is followed once, through the same fetcher."""
        if not url.startswith("https://"):
            raise UnsafeInputUrl("Only https links can be verified.", url=url)
        body, content_type = await self._get_link(url, url)
        if is_html(content_type, body):
            linked = credential_link(body, url)
            if linked is None:
                raise UnreachableInputUrl("There is no credential at this link: it is a web page that names none "
                                          "(no <link rel=\"alternate\" type=\"application/vc+ld+json\">).", url=url)
            if not linked.startswith("https://"):
                raise UnsafeInputUrl(f"The page at this link names its credential at {linked}, which is not https.",
                                     url=url)
            body, content_type = await self._get_link(url, linked)
            if is_html(content_type, body):  # one hop only: a page that links a page is not followed further
                raise UnreachableInputUrl("There is no credential at this link: the page it names is another web "
                                          "page.", url=url)
        if body[:1024].lstrip()[:5] == b"%PDF-":
            if len(body) > self.config.max_pdf_bytes:
                raise InputTooLarge("The PDF at this link is too large.", url=url)
            body = (await self._pdf_within_budget(body)).encode("utf-8")
            source = "pdf"  # a hosted transcript PDF: the page says what was (and was not) verified
        else:
            source = "url"
        verification = await self._run(body, source=source)
        return replace(verification, url=url, body=body)

    async def _run(self, data: bytes | str | JsonObject, *, source: str) -> Verification:
        config = self.config
        trust = await self.trust()
        key = _cache_key(data, trust) if config.report_cache_ttl > 0 else None
        now = config.clock()
        if key is None:
            return await self._verify_now(data, source=source, trust=trust, now=now)
        hit = self._cached(key, now)
        if hit is not None:
            return replace(hit, source=source, cached=True)
        running = self._inflight.get(key)
        if running is not None:  # the same input is being verified right now: share that answer
            await running.wait()
            shared = self._shared.get(key)
            if shared is not None:
                return replace(shared, source=source, cached=True)
            return await self._verify_now(data, source=source, trust=trust, now=now)
        event = self._inflight[key] = anyio.Event()
        self._shared.pop(key, None)
        try:
            verification = await self._verify_now(data, source=source, trust=trust, now=now)
            self._shared[key] = verification
        finally:
            del self._inflight[key]
            event.set()
        if verification.report.verified:
            self._remember(key, verification, now)
        return verification

    async def _verify_now(self, data: bytes | str | JsonObject, *, source: str, trust: TrustRegistry,
                          now: datetime) -> Verification:
        config = self.config
        stage = _Stage()
        resolver = _TracingResolver(self.resolver, stage)

        def fetch_document(url: str) -> JsonObject:
            before, stage.current = stage.current, CheckId.STATUS
            try:
                return self.fetch_document(url)
            finally:
                stage.current = before

        def work() -> VerificationReport:
            return verify_credential(data, now=now, resolver=resolver, fetch_document=fetch_document, trust=trust,
                                     max_bytes=config.max_input_bytes, max_depth=config.max_json_depth,
                                     status_lists=self.status_lists)

        started = anyio.current_time()
        if self.config.online:
            await self._prefetch_keys(data)
        try:
            report = await run_with_budget(work, budget=config.time_budget, limiter=self._limiter)
        except BudgetExceeded:
            report = _budget_report(stage.current, config.time_budget)
        if self.bundle is not None and self.bundle.bundle is not None:
            report = stamp_status(report, self.bundle.bundle)  # status read from a dated bundle is as of then
        elapsed = (anyio.current_time() - started) * 1000
        return Verification(report=report, checked_at=now, source=source, elapsed_ms=elapsed)

    async def _prefetch_keys(self, data: bytes | str | JsonObject) -> None:
        """A transcript bundles badges from several schools: fetch their key documents at once
        instead of one after another inside the pipeline. Only key documents, which the resolver
        needs before any proof can be checked anyway; status lists wait for a verified proof."""
        urls = _key_document_urls(data)
        if len(urls) < 2:
            return

        def warm(url: str) -> None:
            # the pipeline will fetch again and report the failure properly
            with contextlib.suppress(Exception):
                self.fetcher.get_json(url)

        with anyio.move_on_after(min(self.config.fetch_timeout, self.config.time_budget / 2)):
            async with anyio.create_task_group() as group:
                for url in urls:
                    group.start_soon(functools.partial(anyio.to_thread.run_sync, warm, url, abandon_on_cancel=True))

    # ---- report cache ---------------------------------------------------------------------

    def _cached(self, key: str, now: datetime) -> Verification | None:
        with self._lock:
            hit = self._reports.get(key)
            if hit is None:
                return None
            if hit[0] <= now:
                del self._reports[key]
                return None
            return hit[1]

    def _remember(self, key: str, verification: Verification, now: datetime) -> None:
        expires = now + timedelta(seconds=self.config.report_cache_ttl)
        for end in _end_dates(verification.report.document):
            expires = min(expires, end)
        if expires <= now:
            return
        with self._lock:
            self._reports[key] = (expires, verification)


def _looks_like_url(text: str) -> bool:
    stripped = text.strip()
    return (len(stripped) < 4096 and stripped.lower().startswith(("https://", "http://"))
            and not any(c.isspace() for c in stripped))


def _is_image(data: Any) -> bool:
    if not isinstance(data, bytes):
        return False
    return data.startswith(_PNG) or data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _sized(raw: Any, config: VerifierConfig) -> bytes | str | JsonObject:
    if isinstance(raw, (bytearray, memoryview)):
        raw = bytes(raw)
    if isinstance(raw, bytes):
        limit = config.max_pdf_bytes if raw[:1024].lstrip()[:5] == b"%PDF-" else config.max_input_bytes
        if len(raw) > limit:
            raise InputTooLarge(f"The input is larger than the {limit:,} bytes this verifier accepts.")
        return raw
    if isinstance(raw, str):
        if len(raw) > config.max_input_bytes:  # characters ≤ bytes; the engine rechecks bytes
            raise InputTooLarge(f"The input is larger than the {config.max_input_bytes:,} bytes this verifier "
                                "accepts.")
        return raw
    if isinstance(raw, dict):
        return raw
    raise InputError(f"Nothing to verify: expected a credential, got {type(raw).__name__}.")


def _cache_key(data: Any, trust: TrustRegistry) -> str | None:
    digest = hashlib.sha256()
    if isinstance(data, dict):
        # msgspec writes the dict as it is (key order kept, no sorting: a few µs on the event loop
        # instead of json.dumps' tens). It also writes NaN as null, tuples as lists, bytes as
        # base64...: only a dict that reads back equal to itself is plain JSON, and only plain
        # JSON gets a key, so two inputs share a key only when they are the same JSON.
        try:
            encoded = msgspec.json.encode(data)
            if msgspec.json.decode(encoded) != data:
                return None
        except (TypeError, ValueError, OverflowError, RecursionError, msgspec.MsgspecError):
            return None
        digest.update(b"j" + encoded)
    elif isinstance(data, str):
        digest.update(b"t" + data.encode("utf-8", "surrogatepass"))
    else:
        digest.update(b"b" + data)
    for issuer_id in sorted(trust):
        entry = trust[issuer_id]
        digest.update(f"\x00{issuer_id}\x01{entry.name}\x01{entry.label or ''}".encode())
    return digest.hexdigest()


# A key is a JSON string token directly followed by ':' (a '"' inside a string is escaped, and a
# closing quote is never followed by a letter), so on compact JSON this finds every such member.
_END_DATE = re.compile(rb'"(?:validUntil|expirationDate)":"((?:[^"\\]|\\.)*)"')


def _end_dates(document: Any) -> list[datetime]:
    """Every validUntil / expirationDate in the document (nested badges included)."""
    try:
        encoded = msgspec.json.encode(document)
    except (TypeError, ValueError, OverflowError, RecursionError, msgspec.MsgspecError):
        return _walk_end_dates(document)
    found: list[datetime] = []
    for match in _END_DATE.finditer(encoded):
        raw = match.group(1)
        with contextlib.suppress(ValueError, TypeError, UnicodeDecodeError, msgspec.MsgspecError):
            found.append(parse_datetime(msgspec.json.decode(b'"' + raw + b'"') if b"\\" in raw else raw.decode()))
    return found


def _walk_end_dates(document: Any) -> list[datetime]:
    """The same for what msgspec cannot write (a caller's own objects), 16 levels deep at most."""
    found: list[datetime] = []
    stack = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > 16:
            continue
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in ("validUntil", "expirationDate"):
                    with contextlib.suppress(ValueError, TypeError):
                        found.append(parse_datetime(value))
                elif isinstance(value, (Mapping, list)):
                    stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
    return found


MAX_PREFETCH = 8


def _key_document_urls(data: Any) -> list[str]:
    """did:web / https documents named by the proofs of a CLR and the badges inside it."""
    if isinstance(data, (bytes, str)):
        head = data[:200_000]
        found = b"ClrCredential" in head if isinstance(head, bytes) else "ClrCredential" in head
        if not found:
            return []
        try:
            data = json.loads(data)
        except (ValueError, RecursionError, UnicodeDecodeError):
            return []
    if not isinstance(data, dict):
        return []
    credentials = [data]
    subject = data.get("credentialSubject")
    if isinstance(subject, dict):
        bundled = subject.get("verifiableCredential")
        credentials += [c for c in (bundled if isinstance(bundled, list) else [bundled]) if isinstance(c, dict)]
    urls: list[str] = []
    for credential in credentials:
        proofs = credential.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            method = proof.get("verificationMethod") if isinstance(proof, dict) else None
            if not isinstance(method, str):
                continue
            base = method.partition("#")[0]
            try:
                url = did_web_url(base) if base.startswith("did:web:") else base
            except ResolutionError:
                continue
            if url.startswith("https://") and url not in urls:
                urls.append(url)
    return urls[:MAX_PREFETCH]


def _budget_report(stage: CheckId, budget: float) -> VerificationReport:
    where = {CheckId.STATUS: "while checking its status list", CheckId.ISSUER_KEY: "while looking up the issuer's key"}
    during = where.get(stage, "while checking the signature")
    message = (f"Verification did not finish within {budget:g} seconds ({during}), "
               "so this badge is not shown as valid. Try again later.")
    checks = [CheckResult.failed(cid, message, "time-budget-exceeded", budgetSeconds=budget) if cid is stage
              else CheckResult.skipped(cid, "Not checked: verification ran out of time.")
              for cid in CheckId]
    return VerificationReport.from_checks(checks, credential={}, format=None)


# ---- module-level convenience -----------------------------------------------------------------

async def verify(raw: bytes | str | JsonObject, *, config: VerifierConfig | None = None) -> VerificationReport:
    """Verify a credential (JSON, JWS, baked PNG/SVG, transcript PDF) or an https URL of one.

    A one-off: the service (and its HTTP client) lives for this call only. Anything verifying
    more than once keeps a ``VerifierService`` and closes it when done (the apps do on shutdown)."""
    service = VerifierService(config)
    try:
        return (await service.verify(raw)).report
    finally:
        service.close()
