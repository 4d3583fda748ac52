"""The form renderer: Django's own widget templates through Jinja2, anything else as usual.

A page's filters are a dozen selects and radio lists; through the template
language each option is an `{% include %}` of its own, and rendering them was
a third of an explorer page rendered afresh. Django ships the same widget
templates for Jinja2 (`django/forms/jinja2/`), which compiles them to Python
functions: the same HTML (tests/test_renderers.py), several times faster.

Templates of other apps (the admin's widgets, which extend or include Django's
with the template language) stay with Django's default renderer.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2

DJANGO_FORMS = "django/forms/"


class FormRenderer(BaseRenderer):
    """FORM_RENDERER: Jinja2 for `django/forms/...` templates, DjangoTemplates for the rest."""

    @cached_property
    def _jinja2(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        renderer = self._jinja2 if template_name.startswith(DJANGO_FORMS) else self._django
        return renderer.get_template(template_name)
