from django.urls import path

from surveys.api import views

urlpatterns = [
    path("vocabulary/", views.VocabularyView.as_view(), name="api-vocabulary"),
    path("responses/", views.ResponseCreateView.as_view(), name="api-responses"),
    # Before the old route, which would take "withdraw" for a code.
    path("responses/withdraw/", views.ResponseWithdrawView.as_view(), name="api-response-withdraw"),
    # Gone (410): it put the receipt code in the URL (privacy rule 9).
    path(
        "responses/<str:receipt>/",
        views.ResponseWithdrawGoneView.as_view(),
        name="api-response-withdraw-gone",
    ),
]
