"""The landing page after sign-in (the operator app's dashboard grows here)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "web/home.html", {"section": "home"})
