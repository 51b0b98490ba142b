from django.urls import path
from rest_framework.routers import SimpleRouter

from fgc import apis

router = SimpleRouter()
router.register("fgc-referrals", apis.ReferralViewSet, basename="fgc-referral")

urlpatterns = [
    path(
        "cases/<int:case_pk>/fgc-referrals/", apis.CaseReferralsView.as_view(), name="api-case-fgc-referrals"
    ),
    *router.urls,
]
