"""Questionnaire pages (placeholder until the full views land)."""

from django.shortcuts import render


def trial_check(request, nct_id):
    return render(request, "finder/home.html")


def match_start(request):
    return render(request, "finder/home.html")
