"""The pages' languages: Babel catalogs behind Jinja's i18n extension, and each request's language.

* **Catalogs** are ``issuer/render/locale/<lang>/LC_MESSAGES/messages.po`` (package data), read when
  the environment is built with Babel's pure-Python ``.po`` reader and compiled in memory. No ``.mo``
  is committed and nothing is built: a translator's edit shows on the next start, and no stale
  binary can disagree with its source. Reading both catalogs takes a few milliseconds, once.
  English is the source language (every msgid is the English text), so it has no catalog.
* **The language of a request** is ``?lang=`` (remembered in the ``lang`` cookie, see
  ``language_cookie``), else that cookie, else the best of ``Accept-Language``, else English.
  Templates read it through the render context's ``request``, so no process-wide "current
  language" exists; a render without a request (a PDF) may pass ``language=`` itself.
* **Dates** go through Babel in that language (``date``: "5 Dec 2025" / "5 dic 2025").

Maintainers: ``python -m issuer.render.i18n`` extracts the msgids of the templates, of
``issuer/web/navigation.py`` and of ``issuer/render/statuses.py`` into ``locale/messages.pot`` and
merges them into every ``.po``; new entries arrive untranslated, and ``tests/issuer/test_i18n.py``
fails until each has its Spanish.
"""
from __future__ import annotations

import gettext as _gettext
import io
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_percent
from babel.support import Translations
from jinja2.runtime import Context

from issuer.render.statuses import status_of

__all__ = ["COOKIE", "DEFAULT", "LANGUAGES", "extract_messages", "install", "language_cookie",
           "language_of", "load_catalogs", "negotiate", "parse_accept_language"]

# The languages the pages speak, each named in itself (a switcher shows "Español" to a reader of
# English too: it is how that reader finds their language).
LANGUAGES: Mapping[str, str] = MappingProxyType({"en": "English", "es": "Español"})
DEFAULT = "en"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
DOMAIN = "messages"
# Where the request's negotiated language is kept for the rest of that request (the ASGI scope).
_SCOPE_KEY = "issuer.language"
# Day, abbreviated month, year: "5 Dec 2025" in English (what the pages showed before Babel).
DATE_PATTERN = "d MMM y"
DATETIME_PATTERN = "d MMM y, HH:mm"


def locale_dir() -> Traversable:
    return files("issuer.render") / "locale"


# ---- which language ---------------------------------------------------------------------------

def _supported(tag: str | None) -> str | None:
    """``es``, ``es-MX``, ``ES_es`` → ``es``; anything this service does not speak → None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first (RFC 9110 §12.5.4);
    ``q=0`` means "not this one", and ties keep the header's order."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        if not tag or tag == "*":
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, position, tag))
    return [tag for _q, _pos, tag in sorted(ranked)]


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=``, else the cookie, else the first supported ``Accept-Language`` tag, else English."""
    for choice in (query, cookie, *parse_accept_language(accept_language)):
        if supported := _supported(choice):
            return supported
    return DEFAULT


def language_of(request: Any) -> str:
    """The language of ``request`` (a Litestar request), negotiated once and kept in its scope."""
    scope: dict[str, Any] = request.scope
    language = scope.get(_SCOPE_KEY)
    if language is None:
        language = negotiate(request.query_params.get("lang"), request.cookies.get(COOKIE),
                             request.headers.get("accept-language"))
        scope[_SCOPE_KEY] = language
    return str(language)


def _language_in(context: Context) -> str:
    explicit = _supported(context.get("language"))
    if explicit:
        return explicit
    request = context.get("request")
    return language_of(request) if request is not None and hasattr(request, "scope") else DEFAULT


def language_cookie(*, secure: bool) -> Callable[[Any, Any], Any]:
    """A ``before_send`` hook: an HTML page asked for with a supported ``?lang=`` also sets the
    ``lang`` cookie, so the choice holds on the next pages (a link, no JavaScript). ``secure``:
    the service is served over https (``Settings.secure_cookies``)."""
    attributes = f"Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax; HttpOnly" + ("; Secure" if secure else "")

    async def remember_language(message: Any, scope: Any) -> None:
        if message.get("type") != "http.response.start" or scope.get("type") != "http":
            return
        asked = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("lang")
        language = _supported(asked)
        if language is None:
            return
        headers = message.setdefault("headers", [])
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if content_type.lower().startswith(b"text/html"):
            headers.append((b"set-cookie", f"{COOKIE}={language}; {attributes}".encode("latin-1")))

    return remember_language


# ---- catalogs -----------------------------------------------------------------------------------

def load_catalogs(directory: Traversable | None = None) -> dict[str, _gettext.NullTranslations]:
    """Every language's translations, compiled in memory from its ``.po`` (fuzzy entries are
    left out: a guess is not a translation). English gets the identity."""
    directory = directory if directory is not None else locale_dir()
    catalogs: dict[str, _gettext.NullTranslations] = {DEFAULT: _gettext.NullTranslations()}
    for language in LANGUAGES:
        if language == DEFAULT:
            continue
        with (directory / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
            catalog = read_po(po, locale=language, domain=DOMAIN)
        compiled = io.BytesIO()
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        catalogs[language] = Translations(compiled, domain=DOMAIN)
    return catalogs


# ---- the Jinja side -----------------------------------------------------------------------------

def _as_datetime(value: date | datetime | str | None) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:  # credentials carry dates as ISO 8601 strings (validFrom, awardedDate)
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def install(env: jinja2.Environment) -> None:
    """Give ``env`` the i18n extension with this module's catalogs (``_``, ``gettext``,
    ``ngettext``, ``{% trans %}``, all in the request's language), the ``date``, ``datetime``
    and ``percent`` filters, the globals the layout's language switcher needs, and
    ``status_of`` (the words for states)."""
    catalogs = load_catalogs()
    locales = {language: Locale.parse(language) for language in LANGUAGES}
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are layout, not text

    def translations(context: Context) -> _gettext.NullTranslations:
        return catalogs[_language_in(context)]

    @jinja2.pass_context
    def gettext(context: Context, message: str) -> str:
        return translations(context).gettext(message)

    @jinja2.pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return translations(context).ngettext(singular, plural, n)

    @jinja2.pass_context
    def pgettext(context: Context, msgctxt: str, message: str) -> str:
        return translations(context).pgettext(msgctxt, message)

    @jinja2.pass_context
    def npgettext(context: Context, msgctxt: str, singular: str, plural: str, n: int) -> str:
        return translations(context).npgettext(msgctxt, singular, plural, n)

    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)

    @jinja2.pass_context
    def date_filter(context: Context, value: date | datetime | str | None) -> str:
        """"5 Dec 2025" / "5 dic 2025"; an unparseable string is shown as it is."""
        parsed = _as_datetime(value)
        if parsed is None:
            return "" if value is None else str(value)
        return format_date(parsed, DATE_PATTERN, locale=locales[_language_in(context)])

    @jinja2.pass_context
    def datetime_filter(context: Context, value: datetime | str | None) -> str:
        """"5 Dec 2025, 14:05 UTC": a time is shown in UTC, and says so."""
        parsed = _as_datetime(value)
        if not isinstance(parsed, datetime):
            return date_filter(context, value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        text = format_datetime(parsed, DATETIME_PATTERN, tzinfo=UTC, locale=locales[_language_in(context)])
        return f"{text} UTC"

    @jinja2.pass_context
    def current_language(context: Context) -> str:
        return _language_in(context)

    @jinja2.pass_context
    def language_url(context: Context, language: str) -> str:
        """This page's URL in ``language``: its path and query, with ``lang`` replaced."""
        request = context.get("request")
        if request is None or not hasattr(request, "url"):
            return f"/?{urlencode({'lang': language})}"
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return f"{request.url.path}?{urlencode([*kept, ('lang', language)])}"

    @jinja2.pass_context
    def percent_filter(context: Context, value: float) -> str:
        """0.42 → "42%" / "42 %"."""
        return format_percent(value, locale=locales[_language_in(context)])

    env.filters.update(date=date_filter, datetime=datetime_filter, percent=percent_filter)
    env.globals.update(languages=LANGUAGES, current_language=current_language, language_url=language_url,
                       status_of=status_of)  # the words for states (issuer.render.statuses)


# ---- keeping the catalogs in step with the templates ----------------------------------------

# What carries msgids: the templates (``_()``, ``{% trans %}``) and the navigation's labels (``N_()``).
JINJA_OPTIONS: Mapping[str, str] = MappingProxyType({
    "extensions": "jinja2.ext.i18n", "trimmed": "true", "trim_blocks": "true", "lstrip_blocks": "true",
    "newstyle_gettext": "true", "silent": "false"})
PYTHON_KEYWORDS: Mapping[str, None] = MappingProxyType({"N_": None})


def _sources(templates: Path, python: list[Path]) -> Iterator[tuple[Path, str]]:
    for path in sorted(templates.rglob("*.j2")):
        yield path, "jinja2"
    for path in python:
        yield path, "python"


def extract_messages(templates: Path, python: list[Path]) -> Catalog:
    """Every msgid in ``templates`` (``*.j2``) and the ``python`` modules, with where it occurs
    (relative to the folder that holds the ``issuer`` package)."""
    root = templates.resolve().parent.parent
    catalog = Catalog(domain=DOMAIN, project="openbadges-school", version="0.1.0", charset="utf-8", fuzzy=False,
                      header_comment="# The words of the issuer's pages: see issuer/render/i18n.py.")
    for path, method in _sources(templates, python):
        options = dict(JINJA_OPTIONS) if method == "jinja2" else {}
        keywords = dict(PYTHON_KEYWORDS) if method == "python" else DEFAULT_KEYWORDS
        where = path.resolve().relative_to(root).as_posix()
        for lineno, message, comments, context in extract_from_file(method, path, keywords=keywords,
                                                                    options=options):
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return catalog


def _update(directory: Path, template: Catalog) -> None:
    with (directory / "messages.pot").open("wb") as out:
        write_po(out, template, omit_header=False, width=100)
    for language in LANGUAGES:
        if language == DEFAULT:
            continue
        path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("rb") as po:
            catalog = read_po(po, locale=language, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as out:
            write_po(out, catalog, width=100, ignore_obsolete=True)


def main() -> int:
    """``python -m issuer.render.i18n``: refresh ``messages.pot`` and merge it into every ``.po``."""
    issuer = Path(__file__).resolve().parent.parent
    template = extract_messages(issuer / "templates", [issuer / "web" / "navigation.py",
                                                       issuer / "render" / "statuses.py"])
    _update(issuer / "render" / "locale", template)
    print(f"{len(template)} messages; catalogs updated in {issuer / 'render' / 'locale'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
