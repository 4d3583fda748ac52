from django.urls import path

from surveys import interview_views

urlpatterns = [
    path("", interview_views.interview_list, name="interview-list"),
    path("submit/", interview_views.interview_submit, name="interview-submit"),
    path("<slug:slug>/", interview_views.interview_detail, name="interview-detail"),
]
