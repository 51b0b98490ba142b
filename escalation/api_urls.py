from rest_framework.routers import SimpleRouter

from escalation import apis

router = SimpleRouter()
router.register("notifications", apis.NotificationViewSet, basename="notification")
router.register("clocks", apis.ClockViewSet, basename="clock")
router.register("tray", apis.TrayViewSet, basename="tray")

urlpatterns = router.urls
