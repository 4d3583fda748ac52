from django.urls import path

from guides import views

urlpatterns = [
    path("", views.guide_list, name="guide-list"),
    path("<slug:slug>/", views.guide_detail, name="guide-detail"),
]
