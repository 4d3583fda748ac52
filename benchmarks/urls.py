"""The benchmark pages (French at /, English at /en/): wired inside i18n_patterns."""

from django.urls import path

from benchmarks import views

urlpatterns = [
    path("", views.home, name="home"),
    path("benchmarks/", views.explorer, name="benchmarks"),
    path("benchmarks/table.csv", views.explorer_csv, name="benchmarks-table-csv"),
    path("benchmarks/salary-check/", views.salary_check, name="benchmarks-salary-check"),
    path("benchmarks/day-rate-check/", views.day_rate_check, name="benchmarks-day-rate-check"),
    path("benchmarks/estimate/", views.estimate, name="benchmarks-estimate"),
    path("benchmarks/trends/", views.trends, name="benchmarks-trends"),
    path("methodology/", views.methodology, name="methodology"),
]
