"""The benchmark pages (French at /, English at /en/): wired inside i18n_patterns."""

from django.urls import path

from benchmarks.present import pages, pay_checks, table_csv

urlpatterns = [
    path("", pages.home, name="home"),
    path("benchmarks/", pages.explorer, name="benchmarks"),
    path("benchmarks/table.csv", table_csv.explorer_csv, name="benchmarks-table-csv"),
    path("benchmarks/salary-check/", pay_checks.salary_check, name="benchmarks-salary-check"),
    path("benchmarks/day-rate-check/", pay_checks.day_rate_check, name="benchmarks-day-rate-check"),
    path("benchmarks/estimate/", pages.estimate, name="benchmarks-estimate"),
    path("benchmarks/trends/", pages.trends, name="benchmarks-trends"),
    path("methodology/", pages.methodology, name="methodology"),
]
