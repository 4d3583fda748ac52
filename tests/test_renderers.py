"""The form renderer (cmbench/renderers.py): Jinja2 draws Django's widgets, and every page
with a form reads as it did when the template language drew them.

Each page is rendered twice, with Django's default renderer and with ours, and
compared once whitespace between tags is set aside (the template language
leaves blank lines between options, Jinja2 none) and per-request tokens are
blanked. Valid and invalid queries both: an invalid one draws error lists and
`aria-invalid` fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.forms.renderers import DjangoTemplates
from django.test import Client
from django.test.utils import override_settings

from benchmarks.models import Snapshot
from cmbench.renderers import FormRenderer
from surveys.models import Edition
from tests.answers import snapshot_for_module

pytestmark = pytest.mark.django_db

DJANGO_DEFAULT = "django.forms.renderers.DjangoTemplates"
OURS = "cmbench.renderers.FormRenderer"

# Values that change with each request whatever renders the form.
PER_REQUEST = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'), r"\1"),
    (re.compile(r'(name="started" value=")[^"]*'), r"\1"),
    (re.compile(r'(nonce=")[^"]*'), r"\1"),
    # The same apostrophe: the template language escapes it in hexadecimal, MarkupSafe not.
    (re.compile("&#39;"), "&#x27;"),
]


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    yield from snapshot_for_module(
        django_db_blocker, {"count": 400, "seed": 31, "year": 2026, "freelance_share": 0.3}
    )


def normalized(html: str) -> str:
    for pattern, replacement in PER_REQUEST:
        html = pattern.sub(replacement, html)
    html = re.sub(r">\s+<", "><", html)
    html = re.sub(r">\s+", ">", html)
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html)


def page(client: Client, method: str, path: str, renderer: str, data: dict[str, str]) -> str:
    cache.clear()
    with override_settings(FORM_RENDERER=renderer):
        response = getattr(client, method)(path, data)
    assert response.status_code in (200, 400), (path, response.status_code)
    return response.content.decode()


# (method, path, data, a field of the page's form, whether the form is invalid: its
# errors are then drawn next to the fields)
PAGES = [
    ("get", "/benchmarks/", {"metric": "day-rate", "by": "experience"}, "id_region", False),
    ("get", "/en/benchmarks/", {"experience": "3-5", "by": "education"}, "id_metric_0", False),
    ("get", "/benchmarks/", {"region": "nowhere", "year": "1999"}, "id_region", True),
    ("get", "/benchmarks/estimate/", {"experience_years": "4"}, "id_education", False),
    ("get", "/benchmarks/estimate/", {"experience_years": "-3"}, "id_experience_years", True),
    ("get", "/benchmarks/trends/", {"role": "community-manager"}, "id_role", False),
    ("get", "/benchmarks/salary-check/", {"salary": "38 000"}, "id_salary", False),
    ("get", "/en/benchmarks/day-rate-check/", {"rate": "abc"}, "id_rate", True),
    ("get", "/survey/", {}, "id_job_title", False),
    ("post", "/survey/", {"status": "employee", "job_title": ""}, "id_job_title", True),
    ("get", "/en/survey/withdraw/", {}, "id_receipt", False),
    ("post", "/survey/withdraw/", {"receipt": ""}, "id_receipt", True),
    ("get", "/interviews/", {"role": "nobody"}, "id_role", True),
    ("get", "/interviews/submit/", {}, "id_display_name", False),
    ("post", "/en/interviews/submit/", {"role": ""}, "id_role", True),
]


@pytest.fixture(autouse=True)
def open_edition(snapshot: Snapshot) -> None:
    """The survey's pages show its form while an edition is open (inside the test's transaction)."""
    Edition.objects.filter(year=2026).update(state=Edition.State.OPEN)


@pytest.mark.parametrize(("method", "path", "data", "field", "invalid"), PAGES)
def test_every_form_page_reads_the_same_through_either_renderer(
    method: str, path: str, data: dict[str, str], field: str, invalid: bool
) -> None:
    client = Client()
    theirs = page(client, method, path, DJANGO_DEFAULT, data)
    ours = page(client, method, path, OURS, data)
    assert f'id="{field}"' in theirs
    assert ('aria-invalid="true"' in theirs) is invalid
    assert normalized(ours) == normalized(theirs)


def test_the_jinja2_templates_draw_the_widgets_and_the_admins_stay_with_django() -> None:
    renderer = FormRenderer()
    widget = renderer.get_template("django/forms/widgets/select.html")
    assert type(widget).__module__ == "django.template.backends.jinja2"
    admin = renderer.get_template("admin/widgets/related_widget_wrapper.html")
    assert type(admin).__module__ == "django.template.backends.django"
    assert DjangoTemplates().get_template("django/forms/widgets/select.html") is not None


def test_the_admins_change_form_renders_with_its_own_widgets(admin_client: Client) -> None:
    response = admin_client.get("/admin/guides/guide/add/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="related-widget-wrapper"' in html or "vTextField" in html
