from django.urls import path

from surveys.api import views

urlpatterns = [
    path("vocabulary/", views.VocabularyView.as_view(), name="api-vocabulary"),
    path("responses/", views.ResponseCreateView.as_view(), name="api-responses"),
    path(
        "responses/<str:receipt>/",
        views.ResponseWithdrawView.as_view(),
        name="api-response-withdraw",
    ),
]
