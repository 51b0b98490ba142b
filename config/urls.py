from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from assessments import apis as assessment_apis
from audit import apis as audit_apis
from cases import apis as case_apis
from cases import views as case_views
from config.health import healthz
from escalation import apis as escalation_apis
from pathways import apis as pathway_apis
from referrals import apis as referral_apis
from returns import apis as return_apis
from stepdown import apis as stepdown_apis

router = DefaultRouter()
router.register("people", case_apis.PersonViewSet, basename="person")
router.register("families", case_apis.FamilyViewSet, basename="family")
router.register("cases", case_apis.CaseViewSet, basename="case")
router.register("contacts", referral_apis.ContactViewSet, basename="contact")
router.register(
    r"cases/(?P<case_pk>\d+)/chronology",
    case_apis.CaseChronologyViewSet,
    basename="case-chronology",
)
router.register(
    r"cases/(?P<case_pk>\d+)/decisions", pathway_apis.CaseDecisionViewSet, basename="case-decision"
)
router.register("decisions", pathway_apis.DecisionViewSet, basename="decision")
router.register("disagreements", escalation_apis.DisagreementViewSet, basename="disagreement")
router.register("notifications", escalation_apis.NotificationViewSet, basename="notification")
router.register("clocks", escalation_apis.ClockViewSet, basename="clock")
router.register("access-log", audit_apis.AccessLogViewSet, basename="access-log")
router.register("restrictions", audit_apis.RestrictionViewSet, basename="restriction")
router.register("break-glass", audit_apis.BreakGlassViewSet, basename="break-glass")
router.register("consents", stepdown_apis.ConsentViewSet, basename="consent")
router.register("step-downs", stepdown_apis.StepDownViewSet, basename="step-down")
router.register("step-down-audit", stepdown_apis.StepDownAuditViewSet, basename="step-down-audit")
router.register(
    r"families/(?P<family_pk>\d+)/assessment/contributions",
    assessment_apis.ContributionViewSet,
    basename="family-contribution",
)
router.register(
    r"families/(?P<family_pk>\d+)/conversations",
    assessment_apis.ConversationViewSet,
    basename="family-conversation",
)
router.register(
    r"families/(?P<family_pk>\d+)/referral-packages",
    pathway_apis.FamilyPackageViewSet,
    basename="family-package",
)

admin.site.site_header = "Continuum administration"
admin.site.site_title = "Continuum administration"

urlpatterns = [
    path("", case_views.home, name="home"),
    path("", include("cases.urls")),
    path("", include("assessments.urls")),
    path("", include("pathways.urls")),
    path("", include("referrals.urls")),
    path("", include("escalation.urls")),
    path("", include("audit.urls")),
    path("", include("stepdown.urls")),
    path("", include("returns.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/thresholds/indicators/", assessment_apis.IndicatorListView.as_view(), name="api-indicators"),
    path("api/v1/cases/<int:case_pk>/plan/", pathway_apis.CasePlanView.as_view(), name="api-plan"),
    path("api/v1/cases/<int:case_pk>/plan/outcomes/", pathway_apis.PlanOutcomeView.as_view()),
    path("api/v1/cases/<int:case_pk>/plan/actions/", pathway_apis.PlanActionView.as_view()),
    path(
        "api/v1/cases/<int:case_pk>/plan/actions/<int:action_pk>/status/",
        pathway_apis.PlanActionStatusView.as_view(),
    ),
    path("api/v1/cases/<int:case_pk>/plan/reviews/", pathway_apis.PlanReviewView.as_view()),
    path(
        "api/v1/cases/<int:case_pk>/child-records/",
        pathway_apis.ChildRecordsView.as_view(),
        name="api-child-records",
    ),
    path(
        "api/v1/cases/<int:case_pk>/child-records/assessment-authorisation/",
        pathway_apis.AssessmentAuthoriseView.as_view(),
    ),
    path("api/v1/cases/<int:case_pk>/child-records/s47-outcome/", pathway_apis.S47OutcomeView.as_view()),
    path("api/v1/cases/<int:case_pk>/child-records/icpc/", pathway_apis.IcpcView.as_view()),
    path(
        "api/v1/cases/<int:case_pk>/child-records/cp-plans/<int:cp_plan_pk>/category/",
        pathway_apis.CpCategoryView.as_view(),
    ),
    path(
        "api/v1/cases/<int:case_pk>/child-records/cp-plans/<int:cp_plan_pk>/end/",
        pathway_apis.CpEndView.as_view(),
    ),
    path("api/v1/returns/cin-census/", return_apis.CensusRequestView.as_view(), name="api-census"),
    path(
        "api/v1/returns/cin-census/<int:year>/quality/",
        return_apis.CensusQualityView.as_view(),
        name="api-census-quality",
    ),
    path("api/v1/returns/annex-a/", return_apis.AnnexARequestView.as_view(), name="api-annex-a"),
    path("api/v1/returns/builds/<int:pk>/", return_apis.BuildView.as_view(), name="api-return-build"),
    path(
        "api/v1/returns/builds/<int:pk>/download/",
        return_apis.BuildDownloadView.as_view(),
        name="api-return-download",
    ),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles; allow them on this one page only.
    path(
        "api/docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("healthz", healthz, name="healthz"),
]
