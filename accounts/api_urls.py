from rest_framework.routers import SimpleRouter

from accounts import apis

router = SimpleRouter()
router.register("tokens", apis.ApiTokenViewSet, basename="api-token")

urlpatterns = router.urls
