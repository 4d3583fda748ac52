from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def survey(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def survey_done(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def survey_withdraw(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
