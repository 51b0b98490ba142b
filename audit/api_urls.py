from rest_framework.routers import SimpleRouter

from audit import apis

router = SimpleRouter()
router.register("access-log", apis.AccessLogViewSet, basename="access-log")
router.register("restrictions", apis.RestrictionViewSet, basename="restriction")
router.register("break-glass", apis.BreakGlassViewSet, basename="break-glass")

urlpatterns = router.urls
