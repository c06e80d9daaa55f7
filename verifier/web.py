"""HTTP interface of the verifier: VC-API endpoints, ``/verify`` for any input, and the page.

* ``POST /credentials/verify`` (VC-API): ``{verifiableCredential, options}`` → 200 result when
  verified, 422 result when not, 400/413 problem details when the request is unusable.
* ``POST /presentations/verify``: every credential in a VerifiablePresentation (and its proof,
  when it has one).
* ``POST /verify``: a JSON credential, a compact JWS or a link (text/plain), or a multipart upload
  (``file``: JSON, JWS, PNG, SVG, PDF; or ``credential`` text, or ``url``).
* ``GET /verify?url=…``: a hosted credential (what a QR code on a transcript opens).
* ``GET /verify``: the page (paste, upload, drop a file). Every endpoint answers HTML when the
  client asks for text/html and JSON otherwise.
* ``POST /verify/recipient``: "Check the recipient" (``verifier.recipient``): ``email`` plus the
  credential again (``url`` or ``credential``, form fields or JSON, ``verifiableCredential`` too);
  the credential is verified again and the address compared with its hashed identifier. The
  report page does the same in the reader's browser when it can (``verify.js``, WebCrypto).

Mounting: ``router`` finds its ``VerifierService`` in ``app.state["verifier_service"]`` (or builds
one from ``app.state["verifier_config"]``); ``create_router(config)`` binds a config directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jinja2
import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import JSONBody, Parameter

from badges.verification import CheckId, VerificationReport
from verifier.config import VerifierConfig
from verifier.dto import (
    PresentationResult,
    ProblemOut,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
    VerifyResult,
    result_from_report,
)
from verifier.problems import PROBLEM_MEDIA_TYPE, MalformedCredential, problem_handler
from verifier.recipient import RecipientCheck, check_recipient
from verifier.service import InputError, Verification, VerifierService, vcapi_document
from verifier.view import ReportView, report_view, when_checked

__all__ = ["VerifierConfig", "create_router", "route_handlers", "router"]

JSON_BODY_LIMIT = 4_000_000  # a 2 MB credential inside a VC-API envelope, with room for escaping
UPLOAD_LIMIT = 26_000_000  # transcript PDFs carry fonts


def _responses(*codes: int, invalid: type = VerifyResult) -> dict[int, ResponseSpec]:
    out: dict[int, ResponseSpec] = {}
    for code in codes:
        model = invalid if code == 422 else ProblemOut
        media = PROBLEM_MEDIA_TYPE if model is ProblemOut else "application/json"
        out[code] = ResponseSpec(data_container=model, media_type=media,
                                 description={400: "Malformed request (problem details)", 413: "Too large",
                                              422: "Read, but not verified"}.get(code, ""))
    return out


# ---- the service, from the app or bound ----------------------------------------------------------

def _service_from_state(state: State) -> VerifierService:
    service = state.get("verifier_service")
    if service is None:
        service = VerifierService(state.get("verifier_config") or VerifierConfig())
        state["verifier_service"] = service
    return service


# ---- rendering ------------------------------------------------------------------------------------

_environments: dict[Path, jinja2.Environment] = {}


def _environment(templates_dir: Path) -> jinja2.Environment:
    env = _environments.get(templates_dir)
    if env is None:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir)),
                                 autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        _environments[templates_dir] = env
    return env


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    if request.query_params.get("format") == "json":
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def _render(request: Request[Any, Any, Any], service: VerifierService, template: str, status: int = 200,
            **context: Any) -> Response[Any]:
    config = service.config
    env = config.template_environment or _environment(config.templates_dir)
    layout = "base.html.j2" if (config.templates_dir / "base.html.j2").is_file() else "verify/_layout.html.j2"
    html = env.get_template(template).render(prefix=config.path_prefix, max_mb=config.max_input_bytes // 1_000_000,
                                             layout=layout, standalone=config.standalone, request=request,
                                             **context)
    return Response(content=html, status_code=status, media_type="text/html",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                             "Referrer-Policy": "no-referrer"})


def _input_error(request: Request[Any, Any, Any], service: VerifierService, exc: InputError) -> Response[Any]:
    """People get the page with the reason; programs get problem details (the one mapping)."""
    if not _wants_html(request):
        raise exc
    view = ReportView(verified=False, headline="This could not be checked", summary=exc.detail,
                      checked_at=when_checked(service.config.clock()), checks=[], badge=None, nested=[],
                      url=exc.extra.get("url"))
    return _render(request, service, "verify/report.html.j2", exc.status, view=view)


def _status(report: VerificationReport) -> int:
    return 200 if report.verified else 422


def _reply(request: Request[Any, Any, Any], service: VerifierService, verification: Verification, *,
           include_credential: bool = False) -> Response[Any]:
    report = verification.report
    checked = verification.checked_at.isoformat().replace("+00:00", "Z")
    if report.failed(CheckId.PARSE):
        if _wants_html(request):
            return _render(request, service, "verify/report.html.j2", 400,
                           view=report_view(report, checked_at=verification.checked_at, source=verification.source,
                                            url=verification.url))
        raise MalformedCredential(report, checked_at=checked, source=verification.source, url=verification.url)
    if _wants_html(request):
        return _render(request, service, "verify/report.html.j2", _status(report),
                       view=report_view(report, checked_at=verification.checked_at, source=verification.source,
                                        url=verification.url))
    result = result_from_report(report, checked_at=checked, source=verification.source, url=verification.url,
                                include_credential=include_credential, cached=verification.cached)
    return Response(content=msgspec.json.encode(result), status_code=_status(report), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


# ---- handlers -----------------------------------------------------------------------------------

@post("/credentials/verify", status_code=200, request_max_body_size=JSON_BODY_LIMIT,
      responses=_responses(400, 413, 422), summary="Verify a credential (VC-API)", tags=["verify"],
      )
async def verify_credential_api(request: Request[Any, Any, Any], data: JSONBody[VerifyCredentialRequest],
                                verifier_service: NamedDependency[VerifierService]) -> Response[VerifyResult]:
    """Verify one credential; 200 when verified, 422 (with the same result body) when not."""
    options = data.options
    credential = vcapi_document(data.verifiable_credential)
    verification = await verifier_service.verify(credential, source="json" if isinstance(credential, dict) else "text",
                                                 allow_url=False)
    return _reply(request, verifier_service, verification,
                  include_credential=bool(options and options.return_credential))


@post("/presentations/verify", status_code=200, request_max_body_size=JSON_BODY_LIMIT,
      responses=_responses(400, 413, 422, invalid=PresentationResult), summary="Verify a presentation (VC-API)",
      tags=["verify"])
async def verify_presentation_api(data: JSONBody[VerifyPresentationRequest],
                                  verifier_service: NamedDependency[VerifierService]) -> Response[PresentationResult]:
    from verifier.presentations import verify_presentation

    result = await verify_presentation(verifier_service, data.verifiable_presentation,
                                       challenge=data.options.challenge if data.options else None,
                                       domain=data.options.domain if data.options else None)
    # Pre-encoded like _reply's; the annotation still documents the body for the OpenAPI schema.
    response: Response[Any] = Response(content=msgspec.json.encode(result), status_code=200 if result.verified else 422,
                                       media_type="application/json")
    return response


class RecipientMatchOut(msgspec.Struct, kw_only=True, rename="camel"):
    name: str
    matched: bool


class RecipientOut(msgspec.Struct, kw_only=True, rename="camel"):
    email: str
    matched: bool
    comparable: bool  # the credential names its recipient by email at all
    credentials: list[RecipientMatchOut]


class RecipientResult(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /verify/recipient``: the verification (as ``/verify``) and the recipient check."""

    verified: bool
    recipient: RecipientOut
    result: VerifyResult


async def _recipient_input(request: Request[Any, Any, Any]) -> tuple[str, bytes | str | dict[str, Any], str]:
    """(email, the credential or its link, source) from a form or a JSON body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form: Any = await request.form()
        except Exception as exc:  # the multipart parser's errors are not one class
            raise InputError(f"The form could not be read ({type(exc).__name__}).") from None
    else:
        try:
            form = msgspec.json.decode(await request.body())
        except (msgspec.DecodeError, RecursionError):
            raise InputError("Send a form or a JSON object with email and url, credential or verifiableCredential.") \
                from None
        if not isinstance(form, dict):
            raise InputError("Send a JSON object with email and url, credential or verifiableCredential.")
    email = form.get("email")
    email = email if isinstance(email, str) else ""
    url, credential = form.get("url"), form.get("credential", form.get("verifiableCredential"))
    if isinstance(url, str) and url.strip():
        return email, url.strip(), "url"
    if isinstance(credential, dict):
        return email, credential, "json"
    if isinstance(credential, str) and credential.strip():
        return email, credential, "text"
    raise InputError("Nothing to check: give the credential again (url or credential) with the email address.")


def _recipient_page(request: Request[Any, Any, Any], service: VerifierService, verification: Verification, *,
                    email: str, check: RecipientCheck | None = None, error: str | None = None) -> Response[Any]:
    """The report again, with the answer (or the error, the address kept) in "Check the recipient"."""
    report = verification.report
    view = report_view(report, checked_at=verification.checked_at, source=verification.source, url=verification.url)
    if view.recipient is not None:
        view.recipient.email, view.recipient.result, view.recipient.error = email, check, error
    return _render(request, service, "verify/report.html.j2", 400 if error else _status(report), view=view)


@post("/verify/recipient", status_code=200, request_max_body_size=JSON_BODY_LIMIT, responses=_responses(400, 413),
      summary="Check the recipient: is this email address the one the credential names?", tags=["verify"])
async def verify_recipient(request: Request[Any, Any, Any],
                           verifier_service: NamedDependency[VerifierService]) -> Response[RecipientResult]:
    """Verify the credential again and compare ``email`` with its hashed recipient identifier
    (OB 3.0 IdentityObject: sha256 of the address and the salt). 200 with ``recipient.matched``
    either way; 400 for a missing credential or something that is not an email address."""
    try:
        email, raw, source = await _recipient_input(request)
        verification = await verifier_service.verify(raw, source=source, allow_url=source == "url")
    except InputError as exc:
        return _input_error(request, verifier_service, exc)
    report = verification.report
    if report.failed(CheckId.PARSE):
        return _reply(request, verifier_service, verification)
    try:
        check = check_recipient(report, email)
    except ValueError as exc:
        if not _wants_html(request):
            raise InputError(str(exc)) from None
        return _recipient_page(request, verifier_service, verification, email=email, error=str(exc))
    if _wants_html(request):
        return _recipient_page(request, verifier_service, verification, email=email, check=check)
    checked = verification.checked_at.isoformat().replace("+00:00", "Z")
    out = RecipientResult(
        verified=report.verified,
        recipient=RecipientOut(email=check.email, matched=check.matched, comparable=check.comparable,
                               credentials=[RecipientMatchOut(name=c.name, matched=c.matched)
                                            for c in check.credentials]),
        result=result_from_report(report, checked_at=checked, source=verification.source, url=verification.url,
                                  cached=verification.cached))
    return Response(content=out, media_type="application/json",
                    headers={"Cache-Control": "no-store"})


@dataclass
class _AnyInputOperation(Operation):
    """POST /verify reads its body by content type; the document still has to describe it."""

    def __post_init__(self) -> None:
        text = Schema(type=OpenAPIType.STRING, max_length=UPLOAD_LIMIT)
        self.request_body = RequestBody(required=True, description=verify_any_doc, content={
            "application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT)),
            "text/plain": OpenAPIMediaType(schema=text),
            "multipart/form-data": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT, properties={
                "file": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
                "credential": text, "url": Schema(type=OpenAPIType.STRING, max_length=4096)})),
            "application/octet-stream": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING,
                                                                       format=OpenAPIFormat.BINARY)),
        })


verify_any_doc = ("A JSON credential (or {verifiableCredential}), a compact JWS or an https link as text, "
                  "a baked PNG/SVG or a transcript PDF as the raw body, or multipart with file, credential or url.")


@post("/verify", status_code=200, request_max_body_size=UPLOAD_LIMIT, responses=_responses(400, 413, 422),
      operation_class=_AnyInputOperation,
      summary="Verify anything: JSON, JWS, link, or an uploaded file", tags=["verify"])
async def verify_any(request: Request[Any, Any, Any],
                     verifier_service: NamedDependency[VerifierService]) -> Response[VerifyResult]:
    """Body: a JSON credential (or ``{verifiableCredential}``), a compact JWS or an https link as
    text/plain, an image/PDF as the raw body, or multipart with ``file``, ``credential`` or ``url``."""
    try:
        raw, source = await _request_input(request, verifier_service.config)
        verification = await verifier_service.verify(raw, source=source)
    except InputError as exc:
        return _input_error(request, verifier_service, exc)
    return _reply(request, verifier_service, verification)


@get("/verify", responses=_responses(400, 413, 422), summary="The verification page, or verify ?url=",
     tags=["verify"])
async def verify_page(request: Request[Any, Any, Any], verifier_service: NamedDependency[VerifierService],
                      url: Annotated[str | None, Parameter(max_length=4096,
                                                           description="https link of a hosted credential")] = None,
                      ) -> Response[VerifyResult]:
    if url is None or not url.strip():
        if not _wants_html(request) and "application/json" in request.headers.get("accept", ""):
            raise InputError("Give ?url= the https link of a hosted credential, or POST a credential to /verify.")
        return _render(request, verifier_service, "verify/form.html.j2")
    try:
        verification = await verifier_service.verify(url.strip(), source="url")
    except InputError as exc:
        return _input_error(request, verifier_service, exc)
    return _reply(request, verifier_service, verification)


async def _request_input(request: Request[Any, Any, Any], config: VerifierConfig) -> tuple[bytes | str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form()
        except Exception as exc:  # the multipart parser's errors are not one class
            raise InputError(f"The upload could not be read ({type(exc).__name__}).") from None
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            data = await upload.read(UPLOAD_LIMIT + 1)
            if data:
                return data, _kind(data)
        for field in ("credential", "url"):
            value = form.get(field)
            if isinstance(value, str) and value.strip():
                return value, "url" if field == "url" else "text"
        raise InputError("Nothing to verify: choose a file, paste a credential, or give a link.")
    body = await request.body()
    if not body.strip():
        raise InputError("Nothing to verify: the request body is empty.")
    if content_type in ("application/json", "application/ld+json", "application/vc+ld+json") or \
            body.lstrip()[:1] == b"{":
        return _unwrap(body), "json"
    return body, _kind(body)


def _unwrap(body: bytes) -> bytes | str:
    """Accept ``{"verifiableCredential": …}`` on /verify as well as the bare credential."""
    head = body[:4096]
    if b'"verifiableCredential"' not in head or b'"@context"' in head.split(b'"verifiableCredential"')[0]:
        return body
    try:
        wrapper = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return body
    if isinstance(wrapper, dict) and "@context" not in wrapper:
        inner = wrapper.get("verifiableCredential")
        if isinstance(inner, dict):
            return msgspec.json.encode(inner)
        if isinstance(inner, str):
            return inner
    return body


def _kind(data: bytes) -> str:
    if data.startswith(b"\x89PNG") or data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "image"
    if data[:1024].lstrip()[:5] == b"%PDF-":
        return "pdf"
    return "text"


def route_handlers() -> list[Any]:
    return [verify_credential_api, verify_presentation_api, verify_any, verify_page, verify_recipient]


def create_router(config: VerifierConfig | None = None, *, path: str = "/",
                  service: VerifierService | None = None) -> Router:
    """A router bound to ``config`` (or to ``app.state`` when both are None)."""
    if service is None and config is not None:
        service = VerifierService(config)
    if service is not None:
        bound = service

        def provide() -> VerifierService:
            return bound

        dependency = Provide(provide, sync_to_thread=False)
    else:
        dependency = Provide(_service_from_state, sync_to_thread=False)
    return Router(path=path, route_handlers=route_handlers(), dependencies={"verifier_service": dependency},
                  exception_handlers={Exception: problem_handler})


# For the issuer app: mount ``router`` and put ``VerifierConfig`` (or a VerifierService) in app.state.
router = create_router()
