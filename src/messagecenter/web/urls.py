from django.urls import include, path

from messagecenter.web import health
from messagecenter.web.views import home, login, password, security

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", login.LoginView.as_view(), name="login"),
    path("login/code/", login.LoginCodeView.as_view(), name="login_code"),
    path("logout/", login.LogoutView.as_view(), name="logout"),
    path("password/reset/", password.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        password.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        password.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("security/", security.security, name="security"),
    path("security/password/", password.PasswordChangeView.as_view(), name="password_change"),
    path("security/two-factor/setup/", security.totp_setup, name="totp_setup"),
    path("security/two-factor/disable/", security.totp_disable, name="totp_disable"),
    # Django's set_language view: the language switch on the sign-in pages.
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
