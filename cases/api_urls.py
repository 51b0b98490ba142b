from rest_framework.routers import SimpleRouter

from cases import apis

router = SimpleRouter()
router.register("people", apis.PersonViewSet, basename="person")
router.register("families", apis.FamilyViewSet, basename="family")
router.register("cases", apis.CaseViewSet, basename="case")
router.register(r"cases/(?P<case_pk>\d+)/chronology", apis.CaseChronologyViewSet, basename="case-chronology")
router.register(r"cases/(?P<case_pk>\d+)/feedback", apis.CaseFeedbackViewSet, basename="case-feedback")
router.register(
    r"cases/(?P<case_pk>\d+)/feedback-invitations",
    apis.CaseFeedbackInvitationViewSet,
    basename="case-feedback-invitation",
)

urlpatterns = router.urls
