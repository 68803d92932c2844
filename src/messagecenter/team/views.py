"""Placeholder views; the team pages replace them."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def coming(request, **kwargs):
    return HttpResponse("Coming soon")
