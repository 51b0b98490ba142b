"""Single sign-on's two addresses, at /oidc/ (config/urls.py). The names are the ones
mozilla-django-oidc reverses."""

from django.urls import path

from accounts.oidc import AuthenticateView, CallbackView

urlpatterns = [
    path("authenticate/", AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
]
