"""URLs under /api/v1/: the ninja API, and a problem+json 404 for every other path."""

from django.urls import path, re_path

from messagecenter.api.api import api
from messagecenter.api.problems import outside_handlers, unknown_endpoint

_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    _pattern.callback = outside_handlers(_pattern.callback)

urlpatterns = [
    path("", (_patterns, _app_name, _namespace)),
    re_path(r"", unknown_endpoint),
]
