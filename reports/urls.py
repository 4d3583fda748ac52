"""The yearly report's addresses, translated: /barometre/2026/ in French, /en/report/2026/.

Wired inside i18n_patterns; the French paths are the msgstr of these msgids
in locale/fr/LC_MESSAGES/django.po.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from reports import views

urlpatterns = [
    path(_("report/"), views.report_latest, name="report-latest"),
    path(_("report/<int:year>/"), views.report, name="report"),
    path(_("report/<int:year>/pdf/"), views.report_pdf, name="report-pdf"),
]
