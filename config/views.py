"""The home page: each role's starting point, assembled from the panels the apps add to
`home_page` (config/panels.py), so that it imports none of them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from config.panels import home_page


@login_required
@require_safe
def home(request):
    user = request.user
    context = {"role": user.primary_role, "panels": home_page.panels(user=user)}
    return render(request, "home.html", context)
