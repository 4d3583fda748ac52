"""The benchmark pages (French at /, English at /en/): wired inside i18n_patterns."""

from django.urls import path

from benchmarks import views

urlpatterns = [
    path("", views.home, name="home"),
    path("benchmarks/", views.explorer, name="benchmarks"),
    path("benchmarks/estimate/", views.estimate, name="benchmarks-estimate"),
    path("benchmarks/trends/", views.trends, name="benchmarks-trends"),
    path("methodology/", views.methodology, name="methodology"),
]
