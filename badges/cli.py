"""The ``badges`` command: sign, verify, bundle, keygen, demo-engine, plus sub-commands from plugins.

This module is the engine's only adapter to the outside world: it reads files, the clock and
the entry points, then calls the pure core. Every problem with the user's input ends as one
line on stderr and exit code 2; a credential that does not verify is exit code 1.

Plugins: a distribution declares ``[project.entry-points."badges.commands"] name =
"module:register"`` and ``register(subparsers)`` adds its sub-commands, each setting
``func(args) -> int``. A plugin that fails to load never breaks the engine commands.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TextIO

from badges.bundle import MANIFEST, Bundle, BundleError, document_path, manifest, read_bundle, stamp_status, wanted
from badges.errors import BadgeError, ResolutionError
from badges.json_types import JsonObject
from badges.jsonld import OB_V3P0, VC_V2, check_terms
from badges.pdf_input import PdfInputError, extract_credential, is_pdf
from badges.record_content import PDF_NOTICE, RecordContent, content_lines, record_content
from badges.signing import (
    ChainResolver,
    DidKeyResolver,
    DocumentResolver,
    Ed25519Signer,
    FragmentKeyResolver,
    KeyResolver,
    VerificationMethod,
    did_web_url,
    format_datetime,
    load_key_file,
    sign,
)
from badges.signing.jwt import sign_jwt
from badges.trust import TrustedIssuer, TrustRegistry
from badges.verification import VerificationReport, verify_credential
from badges.verification_checks import parse_datetime
from badges.verification_parse import ParseFailure, parse_input

__all__ = ["load_documents", "main", "make_fetcher", "make_resolver"]

PLUGIN_GROUP = "badges.commands"
_MARK = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "skip"}


class CliError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


# ---- offline bundle, resolver and fetcher ----------------------------------------------------

def load_bundle(directory: str | Path) -> Bundle:
    """The offline bundle under ``directory``: every JSON document with an ``id`` in the whole
    tree (``badges.bundle``), and its manifest's date."""
    try:
        return read_bundle(directory)
    except BundleError as exc:
        raise CliError(f"--documents {exc.message}") from None


def load_documents(directory: Path) -> dict[str, JsonObject]:
    """Every JSON document with an ``id`` anywhere under ``directory``, indexed by it (DID
    documents, controller documents, status list credentials, 1EdTech revocation lists)."""
    return load_bundle(directory).documents


class _UnpublishedFragmentResolver:
    """``<controller>#z6Mk…`` only for controllers the bundle has no document for: when the issuer's
    own document is at hand and does not list the key, the key is not the issuer's."""

    def __init__(self, documents: Mapping[str, JsonObject]) -> None:
        self._documents = documents
        self._fragment = FragmentKeyResolver()

    def resolve(self, vm_id: str) -> VerificationMethod:
        controller = vm_id.partition("#")[0] if isinstance(vm_id, str) else ""
        known = controller in self._documents
        if not known and controller.startswith("did:web:"):
            try:
                known = did_web_url(controller) in self._documents
            except ResolutionError:
                known = False
        if known:
            raise ResolutionError(f"{controller}'s published document does not list the key {vm_id}", id=vm_id)
        return self._fragment.resolve(vm_id)


def make_resolver(documents: Mapping[str, JsonObject] | None = None) -> KeyResolver:
    """did:key, then the bundle (it confirms keys), then the unconfirmed ``#z6Mk…`` fragment
    for controllers the bundle says nothing about."""
    if documents:
        return ChainResolver(DidKeyResolver(), DocumentResolver(documents), _UnpublishedFragmentResolver(documents))
    return ChainResolver(DidKeyResolver(), FragmentKeyResolver())


def make_fetcher(documents_dir: Path | Mapping[str, JsonObject] | None,
                 online: bool = False) -> Callable[[str], JsonObject]:
    """``fetch_document`` for ``verify_credential``: the offline bundle, looked up by ``id``.

    ``online`` is the seam for live https fetching (the verifier service provides it); the engine
    itself never opens a connection, so an unlisted URL raises ``ResolutionError`` and the
    status check fails as "could not confirm".
    """
    if isinstance(documents_dir, Mapping):
        documents = dict(documents_dir)
    else:
        documents = load_documents(Path(documents_dir)) if documents_dir is not None else {}

    def fetch(url: str) -> JsonObject:
        document = documents.get(url)
        if document is not None:
            return document
        if online:
            raise ResolutionError(f"{url} is not in the document bundle, and live fetching is provided by the "
                                  "verifier service, not the engine CLI", url=url)
        raise ResolutionError(f"{url} is not in the offline document bundle" if documents
                              else f"{url} cannot be fetched offline (use --documents DIR)", url=url)

    return fetch


# ---- helpers -----------------------------------------------------------------------------------

def _read(path: str, what: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CliError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise CliError(f"{what} {path}: is a directory") from None
    except OSError as exc:
        raise CliError(f"{what} {path}: {exc.strerror or exc}") from None


def _datetime(value: str, option: str) -> datetime:
    try:
        return parse_datetime(value)
    except ValueError:
        raise CliError(f"{option} {value!r}: expected an ISO 8601 date-time with a time zone, "
                       "e.g. 2026-01-15T10:00:00Z") from None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _trust(path: str | None) -> TrustRegistry | None:
    if path is None:
        return None
    try:
        return TrustRegistry.from_dict(json.loads(_read(path, "--trust")))
    except ValueError as exc:
        raise CliError(f"--trust {path}: {exc}") from None


# ---- report rendering --------------------------------------------------------------------------

def render_report(report: VerificationReport, *, source: str, out: TextIO, indent: str = "",
                  pdf_content: RecordContent | None = None, from_pdf: bool = False) -> None:
    info = report.credential
    verdict = "VERIFIED" if report.verified else "NOT VERIFIED"
    title = info.get("name") or info.get("achievementName") or info.get("id") or ""
    print(f"{indent}{source}: {verdict}" + (f" — {title}" if title else ""), file=out)
    if from_pdf:
        # Only the attachment is signed: say so, and show what it says, to hold next to the print.
        what = "was verified" if report.verified else "did NOT verify"
        print(f"{indent}  The record attached to this PDF {what}. The printed pages are not covered by its "
              "signature: compare them with the content below.", file=out)
        for line in content_lines(pdf_content) if pdf_content is not None else ():
            print(f"{indent}  {line}", file=out)
    if info.get("issuerName") or info.get("issuerId"):
        print(f"{indent}  issuer: {info.get('issuerName', '')} ({info.get('issuerId', 'no id')})", file=out)
    for check in report.checks:
        print(f"{indent}  {_MARK[check.outcome]:4}  {check.id.value:12}  {check.message}", file=out)
    for n, nested in enumerate(report.nested, 1):
        render_report(nested, source=f"bundled credential #{n}", out=out, indent=indent + "    ")


# ---- commands ----------------------------------------------------------------------------------

def _cmd_sign(args: argparse.Namespace) -> int:
    try:
        signer = load_key_file(_read(args.key, "--key"))
    except BadgeError as exc:
        raise CliError(f"--key {args.key}: {exc.message}") from None
    if args.verification_method:
        signer = signer.with_verification_method(args.verification_method)
    created = _datetime(args.created, "--created") if args.created else _now()
    try:
        document = json.loads(_read(args.file, "file"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"{args.file}: not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise CliError(f"{args.file}: a credential is a JSON object")
    if args.format == "jwt":
        # OB 3.0 §8.2: the compact JWS's payload is the credential itself (plus iss, jti, nbf, sub,
        # exp); a Data Integrity proof already on the document stays inside, as §8.2 orders them.
        try:
            check_terms(document)  # what a Data Integrity signer refuses, a JWT signer refuses too
            print(sign_jwt(document, signer=signer))
        except BadgeError as exc:
            raise CliError(f"{args.file}: {exc.message}") from None
        return 0
    signed = sign(document, signer=signer, created=created)
    print(json.dumps(signed, indent=2, ensure_ascii=False))
    return 0


def _clients(args: argparse.Namespace, bundle: Bundle | None = None) -> tuple[KeyResolver, Callable[[str], JsonObject]]:
    """(resolver, fetch_document). A plugin that can fetch live (the verifier service) sets
    ``fetchers=callable(documents_dir, online) -> (resolver, fetch_document)`` on the verify
    sub-parser and adds its own ``--online`` option; the engine alone stays offline."""
    online = bool(getattr(args, "online", False))
    factory = getattr(args, "fetchers", None)
    if factory is not None:
        clients: tuple[KeyResolver, Callable[[str], JsonObject]] = factory(args.documents, online)
        return clients
    documents = bundle.documents if bundle is not None else {}
    return make_resolver(documents), make_fetcher(documents, online=online)


def _cmd_verify(args: argparse.Namespace) -> int:
    now = _datetime(args.now, "--now") if args.now else _now()
    trust = _trust(args.trust)
    bundle = load_bundle(args.documents) if args.documents else None
    resolver, fetch = _clients(args, bundle)
    inputs = [_input(path) for path in args.files]  # all readable before any output
    all_verified = True
    for path, data, from_pdf in inputs:
        report = verify_credential(data, now=now, resolver=resolver, fetch_document=fetch, trust=trust)
        if bundle is not None:
            report = stamp_status(report, bundle)  # "status as of <the bundle's date>"
        all_verified &= report.verified
        content = record_content(report) if from_pdf else None
        if args.json:
            extra: dict[str, Any] = {}
            if from_pdf:
                extra = {"pdf": {"notice": PDF_NOTICE, "content": asdict(content) if content else None}}
            print(json.dumps({"source": path, **report.to_dict(), **extra}, ensure_ascii=False, sort_keys=False))
        else:
            render_report(report, source=path, out=sys.stdout, pdf_content=content if from_pdf else None,
                          from_pdf=from_pdf)
    return 0 if all_verified else 1


def _input(path: str) -> tuple[str, bytes, bool]:
    """(path, what to verify, whether it came out of a PDF): a transcript PDF's attached record,
    read as ``POST /verify`` reads it (``badges.pdf_input``); a PDF without one is bad input."""
    data = _read(path, "file")
    if not is_pdf(data):
        return path, data, False
    try:
        return path, extract_credential(data).encode("utf-8"), True
    except PdfInputError as exc:
        raise CliError(f"{path}: no credential could be taken from this PDF: {exc.message}") from None


# ---- bundle ----------------------------------------------------------------------------------------

# A document source for ``badges bundle``: (args, ids/URLs wanted) → (found: ref → the document's
# bytes, problems: ref → why it could not be had). The engine has none of its own (it never opens
# a connection); plugins set them on the bundle sub-parser: ``bundle_local`` (the issuer: its own
# documents from its database) is asked first, then ``bundle_fetch`` (the verifier: https only,
# through its SSRF-guarded fetcher).
BundleSource = Callable[[argparse.Namespace, list[str]], tuple[dict[str, bytes], dict[str, str]]]
_BUNDLE_ROUNDS = 3  # status lists name their signer's DID document: a second round fetches it


def _cmd_bundle(args: argparse.Namespace) -> int:
    now = _datetime(args.now, "--now") if args.now else _now()
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out}: exists and is not a directory")
    credentials = []
    for path, data, _ in [_input(path) for path in args.files]:
        parsed = parse_input(data, max_bytes=2_000_000, max_depth=64)
        if isinstance(parsed, ParseFailure):
            raise CliError(f"{path}: {parsed.message}")
        credentials.append(parsed.credential)
    sources: list[BundleSource] = [s for s in (getattr(args, "bundle_local", None),
                                               getattr(args, "bundle_fetch", None)) if s is not None]
    found: dict[str, bytes] = {}
    problems: dict[str, str] = {}
    refs = wanted(credentials)
    for _ in range(_BUNDLE_ROUNDS):
        todo = [r for r in refs if r not in found]
        for source in sources:
            if not todo:
                break
            got, why = source(args, todo)
            for ref in todo:
                if ref in got and _json_object(got[ref]):
                    found[ref] = got[ref]
                elif ref in got:
                    problems[ref] = "what was found is not a JSON object"
                elif ref in why:
                    problems[ref] = why[ref]
            todo = [r for r in todo if r not in found]
        documents = [_json_object(found[r]) for r in refs if r in found]
        more = [r for r in wanted(documents) if r not in refs]
        if not more:
            break
        refs += more
    paths = {}
    for ref in [r for r in refs if r in found]:
        try:
            paths[ref] = document_path(ref)
        except BundleError as exc:
            del found[ref]
            problems[ref] = exc.message
    missing = [r for r in refs if r not in found]
    out.mkdir(parents=True, exist_ok=True)
    for ref, rel in paths.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(found[ref])
    ids = [cid for c in credentials if isinstance(cid := c.get("id"), str)]
    (out / MANIFEST).write_text(json.dumps(manifest(created=now, credentials=ids, documents=paths, missing=missing),
                                           indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for ref, rel in paths.items():
        print(f"  {rel}  ({ref})")
    print(f"wrote {len(paths)} document(s) to {out} (status as of {format_datetime(now)})")
    for ref in missing:
        reason = problems.get(ref) or ("no source for it: the engine alone never fetches; install the verifier "
                                       "or run this on the issuer's machine")
        print(f"badges: missing {ref}: {reason}", file=sys.stderr)
    if missing:
        print(f"badges: the bundle is incomplete ({len(missing)} document(s) missing); credentials that need them "
              "will not verify offline", file=sys.stderr)
        return 1
    return 0


def _json_object(data: bytes) -> JsonObject:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _cmd_keygen(args: argparse.Namespace) -> int:
    signer = Ed25519Signer.generate()
    text = json.dumps(signer.to_multikey(secret=True), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CliError(f"--out {args.out}: already exists; refusing to overwrite a key") from None
    except OSError as exc:
        raise CliError(f"--out {args.out}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(args.out, 0o600)  # O_CREAT's mode is filtered by the umask
    print(f"wrote {args.out} (public key {signer.public_key.multibase}, {signer.public_key.did_key})")
    return 0


def demo_credential(issuer_id: str, *, issued_at: datetime) -> JsonObject:
    """An unsigned badge with a two-criterion rubric the learner meets (for ``demo-engine``)."""
    achievement = "https://demo.example.edu/achievements/collaboration"
    levels = [("1", "Beginning"), ("2", "Developing"), ("3", "Proficient"), ("4", "Exceeds")]

    def criterion(slug: str, name: str) -> JsonObject:
        base = f"{achievement}/criteria/{slug}"
        return {"id": base, "type": ["ResultDescription"], "name": name, "resultType": "RubricCriterionLevel",
                "rubricCriterionLevel": [{"id": f"{base}/levels/{n}", "type": ["RubricCriterionLevel"],
                                          "level": n, "name": label} for n, label in levels],
                "requiredLevel": f"{base}/levels/3"}

    criteria = [criterion("listens", "Listens and builds on others' ideas"),
                criterion("shares", "Shares the work fairly")]
    return {
        "@context": [VC_V2, OB_V3P0],
        "id": "urn:uuid:7a1d5c2e-0b8f-4c3a-9e6d-2f4b8a1c0d3e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": "Demo High School"},
        "name": "Collaboration",
        "validFrom": format_datetime(issued_at),
        "validUntil": format_datetime(issued_at + timedelta(days=365)),
        "credentialSubject": {
            "id": "did:example:demo-learner",
            "type": ["AchievementSubject"],
            "achievement": {"id": achievement, "type": ["Achievement"], "name": "Collaboration",
                            "description": "Works well with others on a shared project.",
                            "criteria": {"narrative": "Every rubric criterion at Proficient or above."},
                            "resultDescription": criteria},
            "result": [{"type": ["Result"], "resultDescription": criteria[0]["id"],
                        "achievedLevel": f"{criteria[0]['id']}/levels/3"},
                       {"type": ["Result"], "resultDescription": criteria[1]["id"],
                        "achievedLevel": f"{criteria[1]['id']}/levels/4"}],
        },
    }


def _cmd_demo(args: argparse.Namespace) -> int:
    now = _now()
    signer = Ed25519Signer.generate()
    issuer = signer.public_key.did_key
    signed = sign(demo_credential(issuer, issued_at=now), signer=signer, created=now)
    print(json.dumps(signed, indent=2, ensure_ascii=False))
    trust = TrustRegistry([TrustedIssuer(issuer, "Demo High School", "demo key made for this run")])
    report = verify_credential(signed, now=now, resolver=make_resolver(), fetch_document=make_fetcher(None),
                               trust=trust)
    render_report(report, source="demo credential", out=sys.stdout)
    return 0 if report.verified else 1


# ---- parser and entry point ---------------------------------------------------------------------

def build_parser(plugins: Iterable[Any] | None = None) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser with the engine commands and every plugin that loads, and the plugins that did not."""
    parser = argparse.ArgumentParser(prog="badges", description="Open Badges 3.0 engine: sign and verify "
                                                                "credentials offline.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sign", help="sign a credential (eddsa-rdfc-2022, or VC-JWT) and print it")
    p.add_argument("--format", choices=("di", "jwt"), default="di",
                   help="di: an embedded Data Integrity proof (eddsa-rdfc-2022, the default); "
                        "jwt: a VC-JWT compact JWS (EdDSA, OB 3.0 §8.2)")
    p.add_argument("--key", required=True, metavar="KEYFILE", help="Multikey JSON with secretKeyMultibase, or a JWK")
    p.add_argument("--verification-method", metavar="URL", help="verification method URL to name in the proof")
    p.add_argument("--created", metavar="ISO8601", help="proof creation time (default: now)")
    p.add_argument("file", metavar="FILE", help="unsigned credential JSON ('-' for stdin)")
    p.set_defaults(func=_cmd_sign)

    p = sub.add_parser("verify", help="verify credentials (JSON, JWS, baked PNG/SVG, transcript PDF)")
    p.add_argument("--json", action="store_true", help="one JSON report per line")
    p.add_argument("--documents", metavar="DIR", help="offline bundle (a folder tree, e.g. made by `badges bundle`): "
                                                      "DID/controller documents and status lists")
    p.add_argument("--now", metavar="ISO8601", help="verify as of this time (default: now)")
    p.add_argument("--trust", metavar="FILE", help='known issuers: {"issuers": [{"id", "name", "label"}]}')
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("bundle", help="write an offline bundle: the DID documents and status lists the given "
                                      "credentials need, as a folder tree")
    p.add_argument("--out", required=True, metavar="DIR", help="the bundle's folder (created; files are replaced)")
    p.add_argument("--now", metavar="ISO8601", help="the bundle's date (default: now)")
    p.add_argument("files", nargs="+", metavar="FILE", help="credentials: JSON, JWS, baked PNG/SVG, transcript PDF")
    p.set_defaults(func=_cmd_bundle)

    p = sub.add_parser("keygen", help="create an Ed25519 Multikey (with its secret key)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (mode 0600) instead of stdout")
    p.set_defaults(func=_cmd_keygen)

    p = sub.add_parser("demo-engine", help="sign a demo badge with a fresh key and verify it")
    p.set_defaults(func=_cmd_demo)

    warnings = []
    for plugin in entry_points(group=PLUGIN_GROUP) if plugins is None else plugins:
        try:
            plugin.load()(sub)
        except Exception as exc:  # a broken plugin must not take the engine commands down with it
            warnings.append(f"{plugin.name} ({plugin.value}: {type(exc).__name__}: {exc})")
    return parser, warnings


def main(argv: list[str] | None = None, *, plugins: Iterable[Any] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, warnings = build_parser(plugins)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if warnings and args_list and not args_list[0].startswith("-") and args_list[0] not in sub.choices:
        print("badges: commands from these plugins are unavailable: " + "; ".join(warnings), file=sys.stderr)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse has already printed its one-line complaint
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"badges: error: {exc}", file=sys.stderr)
    except BadgeError as exc:
        print(f"badges: error: {exc.message}", file=sys.stderr)
    except OSError as exc:
        print(f"badges: error: {exc.strerror or exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
