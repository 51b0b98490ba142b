"""Who may see and do what with things in accounts."""

from django.http import Http404

from accounts.models import ApiToken, User
from accounts.selectors import api_tokens_live


def api_token_for_user(user: User, token_id) -> ApiToken:
    """One of the user's own API tokens that still works; anyone else's, or none, is a 404."""
    token = api_tokens_live(user).filter(pk=token_id).first()
    if token is None:
        raise Http404("No such API token of yours.")
    return token
