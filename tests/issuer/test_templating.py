"""The shared Jinja environment's filters."""
from datetime import UTC, date, datetime

import pytest

from issuer.render.templating import environment


def test_date_filter_reads_credential_timestamps_and_leaves_other_text_alone():
    render = environment().from_string("{{ v | date }}").render
    assert render(v="2026-11-22T21:17:00Z") == "22 Nov 2026"
    assert render(v=datetime(2026, 1, 5, tzinfo=UTC)) == "5 Jan 2026"
    assert render(v=date(2026, 3, 9)) == "9 Mar 2026"
    assert render(v="sometime in spring") == "sometime in spring"
    assert render(v=None) == ""


def test_autoescape_is_on():
    assert environment().from_string("{{ v }}").render(v="<script>") == "&lt;script&gt;"


@pytest.mark.anyio
async def test_an_app_renders_through_its_own_environment_and_leaves_the_shared_one_alone(platform, platform_settings, db):
    """create_app adds its menu and CSRF field to an overlay of its own: the shared environment
    (PDFs, other apps, the design-system test app) never gains them."""
    from issuer.app import create_app
    from issuer.render.templating import APP_ENVIRONMENT, app_environment, environment_for
    from issuer.web import navigation

    before = dict(environment().globals)
    app = create_app(platform_settings, clock=platform.clock, engine=db)
    other = create_app(platform_settings, clock=platform.clock, engine=db)
    assert environment().globals == before and "csrf_for" not in before and "navigation" not in before
    own = app.state[APP_ENVIRONMENT]
    assert own is not other.state[APP_ENVIRONMENT] and own.globals["navigation"] is navigation.menu

    class Request:  # what environment_for reads of a request: its app
        def __init__(self, app):
            self.app = app

    assert environment_for(Request(app)) is own and environment_for(None) is environment()
    extra = app_environment(navigation=lambda request: [])
    assert extra.globals["navigation"] is not navigation.menu and "navigation" not in environment().globals
