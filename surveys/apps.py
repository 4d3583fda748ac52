from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Survey")

    def ready(self) -> None:
        # The interview admin lives in its own module, beside surveys/admin.py.
        from surveys import interview_admin  # noqa: F401
