"""Transcripts: a learner's stored badges → signed CLR 2.0 → PDF (with the CLR attached) / HTML.

Data access is a small protocol (``TranscriptSource``) so the service runs over the Piccolo repo in
the app and over plain objects in tests and bulk jobs. The clock, signer and base URL are
parameters. The CPU-heavy steps (RDFC signing, WeasyPrint) are plain functions, so that
``generate_cohort`` can spread a whole cohort over every core with a process pool.

URLs (``transcript_links``): the CLR id is ``<base>/transcripts/<uuid>``; the record is served as
JSON at ``….json``, PDF at ``….pdf``, HTML at the id itself; the verifier page for it is
``<base>/verify?url=<json url>``. Each badge's verify link is ``<base>/verify?url=<badge id>`` (badge
ids are https URLs; other ids fall back to ``<base>/credentials/<id>``). The QR code printed beside
one of this school's badges holds the short form ``<base>/v/<uuid>``, which redirects there.
"""
from __future__ import annotations

import gc
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from badges.errors import ModelError
from badges.transcript import BadgeRef, ExternalCheck, TranscriptView, build_clr, transcript_view

__all__ = [
    "ATTACHMENT_NAME",
    "CLR_MEDIA_TYPE",
    "CohortJob",
    "CohortResult",
    "StoredCredential",
    "TranscriptLinks",
    "TranscriptResult",
    "TranscriptSource",
    "build_transcript",
    "cohort_jobs",
    "credential_verify_link",
    "generate_cohort",
    "make_clr",
    "short_verify_link",
    "render_transcript_html",
    "render_transcript_pdf",
    "safe_stem",
    "sign_transcript",
    "transcript_context",
    "transcript_links",
]

ATTACHMENT_NAME = "transcript.clr.json"
CLR_MEDIA_TYPE = "application/vc+ld+json"
PDF_TEMPLATE = "transcript/transcript.html.j2"
PDF_STYLESHEET = "transcript/transcript.css"
PAGE_TEMPLATE = "transcript/page.html.j2"
LEFT_OUT = frozenset({"revoked", "suspended"})


@dataclass(frozen=True)
class StoredCredential:
    """A signed badge as stored (``IssuedCredential.document``) and its status in our records."""

    document: str
    status: str = "active"  # active | revoked | suspended | expired


class TranscriptSource(Protocol):
    async def transcript_learner(self, learner_id: Any) -> dict[str, Any]:
        """{"id"?: uri, "identifier"?: [IdentityObject], "name": str}"""

    async def transcript_credentials(self, learner_id: Any) -> list[StoredCredential]: ...

    async def store_transcript(self, *, learner_id: Any, clr_id: str, document: str, issued_at: datetime) -> None: ...


@dataclass(frozen=True)
class TranscriptLinks:
    id: str
    json_url: str
    pdf_url: str
    html_url: str
    verify_url: str


@dataclass(frozen=True)
class TranscriptResult:
    clr: dict[str, Any]
    clr_json: str  # exactly the bytes stored, served and attached to the PDF
    statuses: Mapping[str, str]
    links: TranscriptLinks


def transcript_links(base_url: str, transcript_uuid: str) -> TranscriptLinks:
    base = base_url.rstrip("/")
    clr_id = f"{base}/transcripts/{transcript_uuid}"
    json_url = f"{clr_id}.json"
    return TranscriptLinks(id=clr_id, json_url=json_url, pdf_url=f"{clr_id}.pdf", html_url=clr_id,
                           verify_url=verify_link(base, json_url))


def verify_link(base_url: str, target_url: str) -> str:
    return f"{base_url.rstrip('/')}/verify?url={quote(target_url, safe='')}"


def credential_verify_link(base_url: str, credential_id: str) -> str:
    """The verifier page for a credential (where a ``short_verify_link`` leads, through a redirect)."""
    return verify_link(base_url, credential_url(base_url, credential_id))


def short_verify_link(base_url: str, credential_id: str) -> str | None:
    """``<base>/v/<uuid>`` for one of this school's credentials (``<base>/credentials/<uuid>``), else
    None. The QR code for it needs ~2/3 of the modules of the full verifier link's."""
    prefix = f"{base_url.rstrip('/')}/credentials/"
    if not credential_id.startswith(prefix):
        return None
    try:
        ident = uuid.UUID(credential_id[len(prefix):])
    except ValueError:
        return None
    if str(ident) != credential_id[len(prefix):]:
        return None  # only the canonical form, so the short link names exactly this credential
    return f"{base_url.rstrip('/')}/v/{ident}"


def credential_url(base_url: str, credential_id: str) -> str:
    if credential_id.startswith(("https://", "http://")):
        return credential_id
    return f"{base_url.rstrip('/')}/credentials/{quote(credential_id, safe='')}"


def serialize(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def select(stored: Iterable[StoredCredential]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The badges that count (parsed from the stored bytes) and every badge's status."""
    kept, statuses = [], {}
    for n, item in enumerate(stored):
        try:
            doc = json.loads(item.document)
        except ValueError:
            raise ModelError(f"stored credential #{n} is not JSON", index=n) from None
        cid = doc.get("id") if isinstance(doc, dict) else None
        if not cid:
            continue
        statuses[cid] = item.status
        if item.status not in LEFT_OUT:
            kept.append(doc)
    return kept, statuses


def make_clr(stored: Iterable[StoredCredential], *, learner: Mapping[str, Any], issuer: Mapping[str, Any],
             links: TranscriptLinks, signer: Any, now: datetime, partial: bool = False,
             sign: Callable[..., dict[str, Any]] | None = None,
             loader: Callable[..., dict[str, Any]] | None = None, external: Sequence[str] = ()) -> TranscriptResult:
    """Build and sign the CLR over the learner's counted badges (revoked/suspended left out).
    ``external``: other issuers' credentials (JSON text) the learner chose, carried unchanged in
    the record's external learning (``badges.transcript``); they have no status in our records."""
    if sign is None:
        from badges.signing import sign as default_sign

        sign = default_sign
    kept, statuses = select(stored)
    unsigned = build_clr(kept, learner=learner, issuer=issuer, clr_id=links.id, issued_at=now, partial=partial,
                         external=list(external))
    kwargs: dict[str, Any] = {"signer": signer, "created": now}
    if loader is not None:
        kwargs["loader"] = loader
    signed = sign(unsigned, **kwargs)
    return TranscriptResult(clr=signed, clr_json=serialize(signed), statuses=statuses, links=links)


def transcript_context(clr: Mapping[str, Any], *, statuses: Mapping[str, str], scale: Sequence[Any], base_url: str,
                       links: TranscriptLinks, credit_map: Mapping[str, str] | None = None,
                       now: datetime | None = None, logo: str | None = None, page_size: str = "A4",
                       qr: bool = True, external_checks: Mapping[str, ExternalCheck] | None = None) -> dict[str, Any]:
    """Template context shared by the PDF and the HTML page (``external_checks``: what a check of
    each external credential found at this showing, by credential id)."""
    if page_size not in ("A4", "letter"):
        raise ValueError("page_size is 'A4' or 'letter'")
    if logo is not None and not logo.startswith("data:image/"):
        raise ValueError("the logo must be a data:image/… URI (PDFs never fetch)")
    view: TranscriptView = transcript_view(clr, scale=scale, statuses=statuses, credit_map=credit_map, now=now,
                                           external_checks=external_checks)
    badge_links: dict[str, dict[str, str | None]] = {}
    for badge in view.badges:
        badge_links[badge.id] = {"url": credential_verify_link(base_url, badge.id), "qr": None}
    if qr:  # codes only for the badges printed beside a row, not for every badge behind it
        for badge in _shown(view):
            target = short_verify_link(base_url, badge.id) or credential_verify_link(base_url, badge.id)
            badge_links[badge.id]["qr"] = compact_qr_data_uri(target)
    return {
        "view": view,
        "links": links,
        "verify_url": links.verify_url,
        "verify_qr": compact_qr_data_uri(links.verify_url) if qr else None,
        "badge_links": badge_links,
        "page_size": page_size,
        "logo": logo or view.school_logo,
        "attachment_name": ATTACHMENT_NAME,
        "show_qr": qr,
    }


def _shown(view: TranscriptView) -> list[BadgeRef]:
    rows = [*(r for g in view.academic for r in g.competencies), *view.habits]
    return [*(b for r in rows for b in r.badges), *(e.badge for e in view.elo), *view.other]


def compact_qr_data_uri(text: str) -> str:
    """A QR code as an 8-bit grey PNG with one pixel per module, for the codes printed in PDFs.

    The print CSS scales it up with ``image-rendering: pixelated``, so it stays sharp; compared with
    ``issuer.render.qr.qr_data_uri`` (8 px per module, best of 8 masks) it is ~10x cheaper to make
    and to embed, which matters with a hundred badges on a transcript. The mask is fixed: every
    mask gives a valid code, and decoders do not need the "best" one. Grey ("L"), not 1-bit:
    WeasyPrint converts a 1-bit image to RGB and re-encodes it twice, a grey PNG once.
    """
    import base64
    import io

    import qrcode
    from PIL import Image
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()  # with the quiet zone
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    out = io.BytesIO()
    Image.frombytes("L", (size, size), pixels).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def render_transcript_pdf(clr_json: str, *, statuses: Mapping[str, str], scale: Sequence[Any], base_url: str,
                          links: TranscriptLinks, credit_map: Mapping[str, str] | None = None,
                          now: datetime | None = None, logo: str | None = None, page_size: str = "A4",
                          font_config: Any = None, external_checks: Mapping[str, ExternalCheck] | None = None
                          ) -> bytes:
    """The printable transcript with ``clr_json`` (the signed CLR, byte for byte) attached."""
    from issuer.render.pdf import PdfAttachment, render_pdf

    clr = json.loads(clr_json)
    ctx = transcript_context(clr, statuses=statuses, scale=scale, base_url=base_url, links=links,
                             credit_map=credit_map, now=now, logo=logo, page_size=page_size,
                             external_checks=external_checks)
    issued = _parse_time(clr.get("validFrom"))
    attachment = PdfAttachment(name=ATTACHMENT_NAME, data=clr_json.encode("utf-8"), media_type=CLR_MEDIA_TYPE,
                               description="Signed CLR 2.0 transcript (verifiable credential)", created=issued)
    return render_pdf(PDF_TEMPLATE, ctx, attachments=[attachment], font_config=font_config,
                      stylesheets=[PDF_STYLESHEET])


def render_transcript_html(clr: Mapping[str, Any], *, statuses: Mapping[str, str], scale: Sequence[Any],
                           base_url: str, links: TranscriptLinks, credit_map: Mapping[str, str] | None = None,
                           now: datetime | None = None, share: Mapping[str, Any] | None = None,
                           page: Mapping[str, Any] | None = None,
                           external_checks: Mapping[str, ExternalCheck] | None = None) -> str:
    """The student's HTML view (``share`` = details of the share link being shown, if any).
    ``page``: the web request's layout context (``request``, ``csrf_token``), so the page shows
    who is signed in and their menu, as every other page does."""
    from issuer.render.templating import TEMPLATES_DIR, render_template

    ctx = transcript_context(clr, statuses=statuses, scale=scale, base_url=base_url, links=links,
                             credit_map=credit_map, now=now, qr=False, external_checks=external_checks)
    layout = "base.html.j2" if (TEMPLATES_DIR / "base.html.j2").is_file() else "transcript/_layout.html.j2"
    return render_template(PAGE_TEMPLATE, layout=layout, share=share, **dict(page or {}), **ctx)


async def sign_transcript(stored: Sequence[StoredCredential], *, learner: Mapping[str, Any],
                          issuer: Mapping[str, Any], signer: Any, now: datetime, base_url: str,
                          transcript_uuid: str | None = None, partial: bool = False,
                          loader: Callable[..., dict[str, Any]] | None = None,
                          external: Sequence[str] = ()) -> TranscriptResult:
    """``make_clr`` in a worker thread (signing canonicalizes every bundled badge: CPU work)."""
    import anyio.to_thread

    links = transcript_links(base_url, transcript_uuid or str(uuid.uuid4()))

    def _make() -> TranscriptResult:
        return make_clr(stored, learner=learner, issuer=issuer, links=links, signer=signer, now=now,
                        partial=partial, loader=loader, external=external)

    return await anyio.to_thread.run_sync(_make)


async def build_transcript(source: TranscriptSource, learner_id: Any, *, issuer: Mapping[str, Any], signer: Any,
                           clock: Any, base_url: str, transcript_uuid: str | None = None, partial: bool = False,
                           store: bool = True, loader: Callable[..., dict[str, Any]] | None = None
                           ) -> TranscriptResult:
    """Load the learner's badges, sign the CLR and store it; render with ``render_transcript_pdf``
    (in a worker thread: ``issuer.render.pdf.render_pdf_async`` or ``anyio.to_thread``)."""
    learner = await source.transcript_learner(learner_id)
    stored = await source.transcript_credentials(learner_id)
    now = clock.now()
    result = await sign_transcript(stored, learner=learner, issuer=issuer, signer=signer, now=now, base_url=base_url,
                                   transcript_uuid=transcript_uuid, partial=partial, loader=loader)
    if store:
        await source.store_transcript(learner_id=learner_id, clr_id=result.links.id, document=result.clr_json,
                                      issued_at=now)
    return result


# ----------------------------------------------------------------------------------- cohort (bulk)

@dataclass(frozen=True)
class CohortJob:
    """One learner's transcript, with everything a worker process needs (all picklable)."""

    stem: str  # output file stem, e.g. the student's id or a slug of their email
    learner: Mapping[str, Any]
    credentials: tuple[StoredCredential, ...]
    transcript_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class CohortResult:
    stem: str
    ok: bool
    clr_id: str | None = None
    clr_json: str | None = None
    pdf: bytes | None = None  # None when written to out_dir (or on error)
    paths: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class _Settings:
    issuer: Mapping[str, Any]
    base_url: str
    scale: tuple[Any, ...]
    now: datetime
    out_dir: str | None
    render: bool
    page_size: str
    credit_map: Mapping[str, str] | None
    logo: str | None


_WORKER: dict[str, Any] = {}


def watch_parent(interval: float = 0.5) -> None:
    """In a worker process: exit as soon as the process that started it is gone (``kill -9``
    of the app or CLI), instead of rendering on as an orphan. A daemon thread polls the parent
    id, which changes when the parent dies (the worker is re-parented)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _init_worker(seed: bytes | None, verification_method: str | None, settings: _Settings) -> None:
    watch_parent()
    # Per-process state, set once when the worker starts: the key never travels with each job.
    signer = None
    if seed is not None:
        from badges.signing import Ed25519Signer

        signer = Ed25519Signer.from_seed(seed)
        if verification_method:
            signer = signer.with_verification_method(verification_method)
    _WORKER.update(signer=signer, settings=settings)
    if settings.render:
        _warm_renderer(settings.page_size)
    if settings.render:
        # This process only renders: collect less often while WeasyPrint's box trees live (a web
        # process never changes the interpreter-wide threshold; see issuer.render.pdf).
        from issuer.render.pdf import RENDER_GC_THRESHOLD

        gen0, *older = gc.get_threshold()
        gc.set_threshold(max(gen0, RENDER_GC_THRESHOLD), *older)
    # What a worker has loaded by now (modules, contexts, fonts) lives as long as the process, so
    # the collector need not keep re-scanning it.
    gc.freeze()


def _warm_renderer(page_size: str) -> None:
    """Pay the per-process costs once, before the first job: importing WeasyPrint (Pango, ~1 s),
    compiling the Jinja template, parsing the CSS and registering the bundled fonts with this
    process's shared FontConfiguration. The first student is then as fast as the rest."""
    from issuer.render.pdf import render_html_pdf, shared_font_config
    from issuer.render.templating import TEMPLATES_DIR, environment

    environment().get_template(PDF_TEMPLATE)
    html = (f"<!DOCTYPE html><html lang='en'><head><title>warm-up</title>"
            f"{'<style>@page { size: letter; }</style>' if page_size == 'letter' else ''}</head>"
            f"<body><h1>a</h1><p>a <b>b</b> <i>c</i></p></body></html>")
    render_html_pdf(html, base_dir=TEMPLATES_DIR / "transcript", variant=None, font_config=shared_font_config(),
                    stylesheets=[TEMPLATES_DIR / PDF_STYLESHEET])


def _run_job(job: CohortJob) -> CohortResult:
    s: _Settings = _WORKER["settings"]
    try:
        if not job.stem or any(c in job.stem for c in "/\\\0") or job.stem.startswith("."):
            raise ValueError(f"output file stem {job.stem!r} is not a plain file name")
        links = transcript_links(s.base_url, job.transcript_uuid)
        made = make_clr(job.credentials, learner=job.learner, issuer=s.issuer, links=links,
                        signer=_WORKER["signer"], now=s.now)
        pdf = None
        if s.render:
            pdf = render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=s.scale, base_url=s.base_url,
                                        links=links, credit_map=s.credit_map, now=s.now, logo=s.logo,
                                        page_size=s.page_size)
        if s.out_dir is None:
            return CohortResult(job.stem, True, links.id, made.clr_json, pdf)
        out = Path(s.out_dir)
        paths = [out / f"{job.stem}.clr.json"]
        paths[0].write_text(made.clr_json, encoding="utf-8")
        if pdf is not None:
            paths.append(out / f"{job.stem}.pdf")
            paths[1].write_bytes(pdf)
        return CohortResult(job.stem, True, links.id, paths=tuple(str(p) for p in paths))
    except Exception as exc:  # one learner's bad data must not stop the cohort; reported per learner
        return CohortResult(job.stem, False, error=f"{type(exc).__name__}: {exc}"[:500])


def generate_cohort(jobs: Sequence[CohortJob], *, signer_seed: bytes, verification_method: str | None,
                    issuer: Mapping[str, Any], base_url: str, scale: Sequence[Any], now: datetime,
                    out_dir: str | Path | None = None, render: bool = True, page_size: str = "A4",
                    credit_map: Mapping[str, str] | None = None, logo: str | None = None,
                    workers: int | None = None, progress: Callable[[int, int, CohortResult], None] | None = None,
                    mp_context: str = "spawn") -> list[CohortResult]:
    """Transcripts for a whole cohort on every core; ``progress(done, total, result)`` after each.

    Workers are spawned (not forked) so that no event loop, DB pool or thread of the parent leaks
    into them. ``signer_seed`` is the school's 32-byte key, handed to each worker once at start-up.
    Results come back in completion order; with ``out_dir`` each worker writes
    ``<stem>.clr.json`` and ``<stem>.pdf`` itself and only paths travel back.
    """
    import multiprocessing

    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    settings = _Settings(issuer=dict(issuer), base_url=base_url, scale=tuple(scale), now=now,
                         out_dir=str(out_dir) if out_dir is not None else None, render=render,
                         page_size=page_size, credit_map=dict(credit_map) if credit_map else None, logo=logo)
    total = len(jobs)
    workers = max(1, min(workers or os.cpu_count() or 1, total or 1))
    results: list[CohortResult] = []
    if total == 0:
        return results
    ctx = multiprocessing.get_context(mp_context)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(bytes(signer_seed), verification_method, settings)) as pool:
        # Keep a bounded window in flight so a 10 000-learner cohort does not queue 10 000 pickles.
        pending: set[Future[CohortResult]] = set()
        queue = iter(jobs)
        window = workers * 4
        jobs_by_future: dict[Future[CohortResult], str] = {}

        def submit(job: CohortJob) -> None:
            fut = pool.submit(_run_job, job)
            jobs_by_future[fut] = job.stem
            pending.add(fut)

        for job in queue:
            submit(job)
            if len(pending) >= window:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    result = fut.result()
                except BrokenProcessPool as exc:  # a worker died (OOM kill, crash in a C library)
                    result = CohortResult(jobs_by_future.get(fut, "?"), False, error=f"worker process died: {exc}")
                results.append(result)
                if progress is not None:
                    progress(len(results), total, result)
                jobs_by_future.pop(fut, None)
                nxt = next(queue, None)
                if nxt is not None:
                    try:
                        submit(nxt)
                    except BrokenProcessPool as exc:
                        for job in (nxt, *queue):  # nothing more can run: report every learner left
                            results.append(CohortResult(job.stem, False, error=f"worker pool broken: {exc}"))
                            if progress is not None:
                                progress(len(results), total, results[-1])
    return results


def safe_stem(value: str) -> str:
    """A file name stem from a student's id or email (``badges transcript STUDENT --out DIR``)."""
    import re

    stem = re.sub(r"[^A-Za-z0-9@._+-]", "_", str(value)).strip("._") or "student"
    return stem[:120]


async def cohort_jobs(source: TranscriptSource, learner_ids: Iterable[Any], *,
                      stem: Callable[[Any, dict[str, Any]], str] | None = None) -> list[CohortJob]:
    """Load every learner's data up front (async, in the parent) for ``generate_cohort``."""
    jobs = []
    for learner_id in learner_ids:
        learner = await source.transcript_learner(learner_id)
        stored = await source.transcript_credentials(learner_id)
        name = stem(learner_id, learner) if stem else safe_stem(str(learner_id))
        jobs.append(CohortJob(stem=name, learner=learner, credentials=tuple(stored)))
    return jobs


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
