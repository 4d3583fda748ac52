from django.urls import path

from surveys import views

urlpatterns = [
    path("survey/", views.survey, name="survey"),
    path("survey/done/", views.survey_done, name="survey-done"),
    path("survey/withdraw/", views.survey_withdraw, name="survey-withdraw"),
]
