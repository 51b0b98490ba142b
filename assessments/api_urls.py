from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments import apis

router = SimpleRouter()
router.register(
    r"families/(?P<family_pk>\d+)/assessment/contributions",
    apis.ContributionViewSet,
    basename="family-contribution",
)
router.register(
    r"families/(?P<family_pk>\d+)/conversations", apis.ConversationViewSet, basename="family-conversation"
)

urlpatterns = [
    path("thresholds/indicators/", apis.IndicatorListView.as_view(), name="api-indicators"),
    path(
        "families/<int:family_pk>/assessment/scaling/",
        apis.ScalingView.as_view(),
        name="api-assessment-scaling",
    ),
    *router.urls,
]
