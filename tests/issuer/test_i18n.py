"""The pages' languages (issuer.render.i18n): which language a request gets, that the Spanish
catalog covers every msgid the templates, the navigation and the status words use, and that a
page renders in Spanish, with Spanish dates, when asked."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from issuer.render import i18n
from issuer.render.statuses import MARKS, STATUSES, status_of
from issuer.render.templating import TEMPLATES_DIR, environment

ISSUER = Path(i18n.__file__).resolve().parents[1]
LOCALE = ISSUER / "render" / "locale"
SOURCES = [ISSUER / "web" / "navigation.py", ISSUER / "render" / "statuses.py"]
HTML = {"accept": "text/html"}


# ---- which language ---------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "cookie", "accept", "expected"), [
    (None, None, None, "en"),
    (None, None, "es-ES,es;q=0.9,en;q=0.8", "es"),
    (None, None, "fr-FR, es;q=0.5, en;q=0.7", "en"),  # French is not spoken here: the next best
    (None, None, "en;q=0, es;q=0.1", "es"),  # q=0 means "not this one"
    (None, None, "de, *;q=0.5", "en"),
    (None, None, "garbage;;q=x, ,", "en"),
    (None, "es", "en", "es"),  # the remembered choice beats the browser's
    ("en", "es", "es", "en"),  # and ?lang= beats both
    ("ES_mx", None, None, "es"),
    ("xx", "es", None, "es"),  # an unknown ?lang= is ignored
])
def test_a_request_gets_lang_then_the_cookie_then_accept_language_then_english(query, cookie, accept, expected):
    assert i18n.negotiate(query, cookie, accept) == expected


def test_accept_language_is_read_by_quality_then_order():
    assert i18n.parse_accept_language("es;q=0.5, en-GB, fr;q=0.5, de;q=0") == ["en-GB", "es", "fr"]


# ---- the catalogs ----------------------------------------------------------------------------

def _spanish():
    with (LOCALE / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale="es")


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)s|</?\w+[^>]*>", text))


def test_every_msgid_in_the_templates_has_a_spanish_translation():
    used = i18n.extract_messages(TEMPLATES_DIR, SOURCES)
    spanish = _spanish()
    missing = [m.id for m in used if m.id and (spanish.get(m.id) is None or not spanish.get(m.id).string)]
    assert missing == [], "run `python -m issuer.render.i18n` and translate these in es/LC_MESSAGES/messages.po"
    fuzzy = [m.id for m in spanish if m.id and m.fuzzy]
    assert fuzzy == []
    for message in spanish:  # a translation keeps the msgid's variables and markup (each plural form too)
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for n, string in enumerate(strings):
                assert _placeholders(string) == _placeholders(ids[min(n, len(ids) - 1)]), message.id


def test_the_template_catalog_is_up_to_date():
    used = {m.id for m in i18n.extract_messages(TEMPLATES_DIR, SOURCES) if m.id}
    with (LOCALE / "messages.pot").open("rb") as pot:
        committed = {m.id for m in read_po(pot) if m.id}
    assert committed == used, "run `python -m issuer.render.i18n`"
    assert {m.id for m in _spanish() if m.id} == used  # nothing stale either


def test_the_catalogs_compile_and_english_is_the_identity():
    catalogs = i18n.load_catalogs()
    assert set(catalogs) == set(i18n.LANGUAGES)
    assert catalogs["es"].gettext("Sign out") == "Cerrar sesión"
    assert catalogs["en"].gettext("Sign out") == "Sign out"


# ---- rendering ---------------------------------------------------------------------------------

def test_templates_speak_the_language_they_are_given():
    env = environment()
    template = env.from_string('{{ _("Sign in") }}|{{ v | date }}|{{ status_of("revise").label }}|{{ 0.42 | percent }}')
    assert template.render(v=date(2026, 1, 14)) == "Sign in|14 Jan 2026|Needs revision|42%"
    assert template.render(v=date(2026, 1, 14), language="es") == "Iniciar sesión|14 ene 2026|Needs revision|42\xa0%"


def test_the_datetime_filter_says_utc():
    render = environment().from_string("{{ v | datetime }}").render
    assert render(v=datetime(2026, 1, 14, 9, 5, tzinfo=UTC)) == "14 Jan 2026, 09:05 UTC"
    assert render(v=datetime(2026, 1, 14, 9, 5, tzinfo=UTC), language="es") == "14 ene 2026, 09:05 UTC"


def test_components_follow_the_page_language():
    template = environment().from_string(
        '{% import "_components.html.j2" as ui with context %}{{ ui.status_chip("revise") }} {{ ui.level_chip(3) }}')
    assert "Needs revision" in template.render() and "3 · Proficient" in template.render()
    spanish = template.render(language="es")
    assert "Necesita revisión" in spanish and "3 · Competente" in spanish


def test_status_words_are_in_one_place_and_never_codes():
    assert status_of("revise").label == "Needs revision"
    assert status_of("needs_second").label == "Waiting for a second rating"
    assert status_of("some_new_state").label == "Some new state"
    assert all(s.label and s.mark == MARKS[s.tone] for s in STATUSES.values())


# ---- the running app ---------------------------------------------------------------------------

@pytest.mark.anyio
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_page_renders_in_spanish_and_the_choice_is_remembered(client):
    english = await client.get("/login", headers=HTML)
    assert '<html lang="en">' in english.text and ">Sign in<" in english.text

    asked = await client.get("/login", headers={**HTML, "accept-language": "es-419,es;q=0.9"})
    assert '<html lang="es">' in asked.text and "Iniciar sesión" in asked.text and "Contraseña" in asked.text
    assert "set-cookie" not in asked.headers or "lang=" not in asked.headers["set-cookie"]

    chosen = await client.get("/login?lang=es", headers=HTML)
    cookie = [c for c in chosen.headers.get_list("set-cookie") if c.startswith("lang=")]
    assert cookie and "lang=es" in cookie[0] and "SameSite=Lax" in cookie[0] and "HttpOnly" in cookie[0]
    assert "Secure" not in cookie[0]  # the test app is served over http
    # the switcher keeps the page and its other parameters
    assert 'href="/login?lang=en"' in chosen.text
    later = await client.get("/verify", headers={**HTML, "accept-language": "en"})
    assert '<html lang="es">' in later.text and "Verificar una insignia" in later.text

    ignored = await client.get("/login?lang=xx", headers=HTML)
    assert not any(c.startswith("lang=") for c in ignored.headers.get_list("set-cookie"))


@pytest.mark.anyio
async def test_the_language_cookie_is_secure_behind_https_and_only_on_pages():
    hook = i18n.language_cookie(secure=True)
    page = {"type": "http.response.start", "headers": [(b"content-type", b"text/html; charset=utf-8")]}
    await hook(page, {"type": "http", "query_string": b"lang=es&x=1"})
    assert (b"set-cookie", b"lang=es; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly; Secure") in page["headers"]
    data = {"type": "http.response.start", "headers": [(b"content-type", b"application/json")]}
    await hook(data, {"type": "http", "query_string": b"lang=es"})
    assert all(name != b"set-cookie" for name, _ in data["headers"])


def test_the_language_switcher_keeps_the_page_and_its_query():
    from litestar import Request

    scope = {"type": "http", "method": "GET", "path": "/student/badges", "query_string": b"page=2&lang=en",
             "headers": [], "scheme": "http", "server": ("127.0.0.1", 8000), "root_path": "", "app": None}
    rendered = environment().from_string("{{ language_url('es') }}").render(request=Request(scope))
    assert rendered == "/student/badges?page=2&amp;lang=es"
