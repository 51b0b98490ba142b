from rest_framework.routers import SimpleRouter

from stepdown import apis

router = SimpleRouter()
router.register("consents", apis.ConsentViewSet, basename="consent")
router.register("step-downs", apis.StepDownViewSet, basename="step-down")
router.register("step-down-audit", apis.StepDownAuditViewSet, basename="step-down-audit")
router.register("drift", apis.DriftViewSet, basename="drift")
router.register("review-sets", apis.ReviewSetViewSet, basename="review-set")

urlpatterns = router.urls
