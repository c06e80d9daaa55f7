"""The shared Jinja environment's filters."""
from datetime import UTC, date, datetime

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
