"""Account settings: the account-wide time zone (for e-mails to contacts)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from messagecenter.accounts.services import set_account_time_zone
from messagecenter.core.errors import ValidationFailed
from messagecenter.team.forms import AccountForm, apply_error
from messagecenter.web.access import actor, admin_page


@admin_page
def account_settings(request):
    account = request.user.account
    form = AccountForm(request.POST or None, initial={"time_zone": account.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            set_account_time_zone(account, form.cleaned_data["time_zone"], actor=actor(request))
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The account settings have been saved."))
            return redirect("settings_account")
    context = {"form": form, "tab": "account", "section": "settings"}
    return render(
        request, "team/settings/account.html", context, status=400 if form.errors else 200
    )
