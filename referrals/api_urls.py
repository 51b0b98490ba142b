from rest_framework.routers import SimpleRouter

from referrals import apis

router = SimpleRouter()
router.register("contacts", apis.ContactViewSet, basename="contact")

urlpatterns = router.urls
