from django.urls import path

from interviews import views

urlpatterns = [
    path("", views.interview_list, name="interview-list"),
    path("submit/", views.interview_submit, name="interview-submit"),
    path("<slug:slug>/", views.interview_detail, name="interview-detail"),
]
