"""The benchmark pages (French at /, English at /en/): wired inside i18n_patterns."""

from django.urls import path

from benchmarks.present import embeds, pages, pay_checks, share_images, table_csv

urlpatterns = [
    path("", pages.home, name="home"),
    path("benchmarks/", pages.explorer, name="benchmarks"),
    path("benchmarks/table.csv", table_csv.explorer_csv, name="benchmarks-table-csv"),
    path("benchmarks/salary-check/", pay_checks.salary_check, name="benchmarks-salary-check"),
    path("benchmarks/day-rate-check/", pay_checks.day_rate_check, name="benchmarks-day-rate-check"),
    path("benchmarks/estimate/", pages.estimate, name="benchmarks-estimate"),
    path("benchmarks/trends/", pages.trends, name="benchmarks-trends"),
    path("methodology/", pages.methodology, name="methodology"),
    # The only pages any site may frame (benchmarks.present.embeds), and the share cards.
    path("embed/benchmarks/", embeds.cohort, name="embed-cohort"),
    path("embed/benchmarks/chart/", embeds.chart, name="embed-chart"),
    path("embed/benchmarks/trend/", embeds.trend, name="embed-trend"),
    path("share/benchmarks.png", share_images.cohort_image, name="share-cohort"),
    path("share/report/<int:year>.png", share_images.report_image, name="share-report"),
]
