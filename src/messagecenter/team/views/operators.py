"""The Operators page (R-OP-3): who is online and how busy, by operator group.

The page's module (``static/team/js/operators.js``) re-fetches the board partial when a
presence or conversation event arrives, so the same template renders both.
"""

from __future__ import annotations

from django.shortcuts import render

from messagecenter.team import queries
from messagecenter.web.access import operator_page


@operator_page
def operators(request):
    board = queries.operators_board(request.user.account)
    template = "team/includes/operators_board.html" if request.htmx else "team/operators.html"
    return render(request, template, {"board": board, "section": "operators"})
