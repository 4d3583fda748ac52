"""/api/v1/benchmarks/...: DESIGN.md's table of public URLs, read-only."""

from django.urls import path

from benchmarks.present.api import views

urlpatterns = [
    path("salaries/", views.SalaryView.as_view(), name="api-salaries"),
    path("salaries/breakdown/", views.SalaryBreakdownView.as_view(), name="api-salaries-breakdown"),
    path("salaries/position/", views.SalaryPositionView.as_view(), name="api-salaries-position"),
    path("day-rates/", views.DayRateView.as_view(), name="api-day-rates"),
    path(
        "day-rates/breakdown/",
        views.DayRateBreakdownView.as_view(),
        name="api-day-rates-breakdown",
    ),
    path("day-rates/position/", views.DayRatePositionView.as_view(), name="api-day-rates-position"),
    path("estimate/", views.EstimateView.as_view(), name="api-estimate"),
    path("trends/", views.TrendView.as_view(), name="api-trends"),
    path("cells.csv", views.CellsCsvView.as_view(), name="api-cells-csv"),
]
