"""Pages for the notifications inbox and the managers' clock dashboard."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from escalation import selectors, services
from escalation.models import Notification
from escalation.panels import clock_dashboard, tray_context
from escalation.permissions import clock_for_user, require_clock_manager

# --- notifications ----------------------------------------------------------------------------


@login_required
def inbox(request):
    notifications = Notification.objects.filter(user=request.user)[:100]
    return render(request, "escalation/inbox.html", {"notifications": notifications})


@login_required
def inbox_badge(request):
    """The unread count for the header badge (htmx polls it; the inbox link works without)."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "escalation/_badge.html", {"unread": unread})


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = Notification.objects.filter(user=request.user, pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    services.notification_read(notification=notification)
    if notification.url.startswith("/") and request.POST.get("open"):
        return redirect(notification.url)
    return redirect("escalation:inbox")


# --- the work tray ----------------------------------------------------------------------------


@login_required
@require_safe
def tray(request):
    tasks = list(selectors.tray(request.user)[:200])
    template = "escalation/_tray.html" if request.htmx else "escalation/tray.html"
    return render(request, template, {"tray": tray_context(tasks)})


@login_required
@require_safe
def tray_badge(request):
    return render(request, "escalation/_tray_badge.html", {"count": selectors.tray(request.user).count()})


# --- the managers' dashboard ------------------------------------------------------------------


@login_required
def dashboard(request):
    require_clock_manager(request.user)
    context = selectors.dashboard(request.user) | {"panels": clock_dashboard.panels(user=request.user)}
    return render(request, "escalation/dashboard.html", context)


@login_required
def clock_detail(request, pk: int):
    clock = clock_for_user(request.user, pk)
    events = clock.events.select_related("by").order_by("at", "pk")
    return render(request, "escalation/clock.html", {"clock": clock, "events": events})
