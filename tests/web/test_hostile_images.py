"""Badge images over HTTP (issue 10): hostile SVG uploads are refused, and what is served (the
achievement image, the baked SVG download) is always the sanitised image."""
from __future__ import annotations

import hashlib

import pytest

from tests.issuer.svg_samples import HOSTILE, LOGO
from tests.web.award_support import award
from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
def client(asgi_client):
    # The full app over httpx in this event loop (tests/web/conftest.py), as in the hostile-request tests.
    return asgi_client


async def achievement_of(client, uuid: str) -> str:
    from issuer.catalog import repo as catalog_repo
    from issuer.credentials import repo as credentials_repo

    row = await credentials_repo.get_credential(uuid)
    achievement = await catalog_repo.get_achievement_by_id(row.achievement)
    return str(achievement.uuid)


async def put_image(client, seed, a_id: str, data: bytes):
    return await client.put(f"/api/achievements/{a_id}/image", headers=bearer(seed, "teacher"),
                            files={"file": ("logo.svg", data, "image/svg+xml")})


@pytest.mark.parametrize("name", ["script", "style-import-after-child", "css-escape", "image-set", "set-href",
                                  "javascript-tab-entity", "billion-laughs"])
async def test_hostile_svg_upload_is_refused_and_logo_accepted(client, seed, name):
    badge = await award(client, seed)
    a_id = await achievement_of(client, badge["uuid"])
    r = await put_image(client, seed, a_id, HOSTILE[name])
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await put_image(client, seed, a_id, LOGO)
    assert r.status_code == 200, r.text
    r = await client.get(f"/achievements/{a_id}/image")
    assert r.status_code == 200 and r.content == LOGO


async def test_baked_svg_carries_the_sanitised_image(client, seed, platform_settings):
    from issuer.catalog import repo as catalog_repo
    from issuer.storage import FileStore

    badge = await award(client, seed)
    a_id = await achievement_of(client, badge["uuid"])
    with_metadata = LOGO.replace(b"<title>", b'<metadata><x:y xmlns:x="urn:x">secret</x:y></metadata><title>')
    assert (await put_image(client, seed, a_id, with_metadata)).status_code == 200
    r = await client.get(f"/badges/{badge['uuid']}.svg")
    assert r.status_code == 200
    assert b"openbadges:credential" in r.content and b"secret" not in r.content and b"Investigator" in r.content

    # An image stored before the allow-list existed (written straight to the store): the download
    # does not carry it; the badge falls back to the generated image.
    hostile = HOSTILE["set-href"]
    digest = hashlib.sha256(hostile).hexdigest()
    FileStore.from_settings(platform_settings).write(digest, hostile)
    achievement = await catalog_repo.get_achievement(a_id)
    await catalog_repo.update_achievement(achievement.id, image_sha256=digest, image_type="image/svg+xml")
    r = await client.get(f"/badges/{badge['uuid']}.svg")
    assert r.status_code == 200
    assert b"<set" not in r.content and b"http://e.example/" not in r.content
    assert b"openbadges:credential" in r.content
    assert (await client.get(f"/achievements/{a_id}/image")).status_code == 404
