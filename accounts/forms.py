from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from accounts.lockout import locked_message
from accounts.models import API_TOKEN_NAME_LENGTH

ENDS_WITH_SIGN_OUT = "sign_out"
ENDS_AT_EXPIRY = "expiry"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=API_TOKEN_NAME_LENGTH,
        help_text="What the token is for, so that you know it again: for example, the team's data export.",
        error_messages={"required": "Give the token a name, so that you know it again in your list."},
    )
    ends = forms.ChoiceField(
        label="When should it stop working?",
        widget=forms.RadioSelect,
        initial=ENDS_WITH_SIGN_OUT,
        error_messages={"required": "Choose when the token should stop working."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hours = settings.API_TOKEN_HOURS
        self.fields["ends"].choices = [
            (ENDS_WITH_SIGN_OUT, f"When I sign out, or after {hours} hours if sooner (recommended)"),
            (ENDS_AT_EXPIRY, f"After {hours} hours, even if I sign out before then"),
        ]

    @property
    def ends_with_sign_out(self) -> bool:
        return self.cleaned_data["ends"] == ENDS_WITH_SIGN_OUT


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with one more answer: a username or an address that has failed too
    often is paused (accounts/lockout.py). The same words whether or not the account exists, and
    whatever the password."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return forms.ValidationError(locked_message(), code="locked")
        return super().get_invalid_login_error()


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        error_messages={"required": "Enter the code from your authenticator app, or a recovery code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class AuthenticatorConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        help_text="The 6 digits it shows now.",
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
