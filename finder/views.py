"""Patient-facing pages (placeholder until the full views land)."""

from django.shortcuts import render


def home(request):
    return render(request, "finder/home.html")


def trial_search(request):
    return render(request, "finder/home.html")


def trial_detail(request, nct_id):
    return render(request, "finder/home.html")
