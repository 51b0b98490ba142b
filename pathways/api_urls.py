from django.urls import path
from rest_framework.routers import SimpleRouter

from pathways import apis

router = SimpleRouter()
router.register(r"cases/(?P<case_pk>\d+)/decisions", apis.CaseDecisionViewSet, basename="case-decision")
router.register("decisions", apis.DecisionViewSet, basename="decision")
router.register(
    r"families/(?P<family_pk>\d+)/referral-packages", apis.FamilyPackageViewSet, basename="family-package"
)

urlpatterns = [
    path("cases/<int:case_pk>/plan/", apis.CasePlanView.as_view(), name="api-plan"),
    path("cases/<int:case_pk>/plan/outcomes/", apis.PlanOutcomeView.as_view()),
    path("cases/<int:case_pk>/plan/actions/", apis.PlanActionView.as_view()),
    path("cases/<int:case_pk>/plan/actions/<int:action_pk>/status/", apis.PlanActionStatusView.as_view()),
    path("cases/<int:case_pk>/plan/reviews/", apis.PlanReviewView.as_view()),
    path("cases/<int:case_pk>/child-records/", apis.ChildRecordsView.as_view(), name="api-child-records"),
    path(
        "cases/<int:case_pk>/child-records/assessment-authorisation/", apis.AssessmentAuthoriseView.as_view()
    ),
    path("cases/<int:case_pk>/child-records/s47-outcome/", apis.S47OutcomeView.as_view()),
    path("cases/<int:case_pk>/child-records/icpc/", apis.IcpcView.as_view()),
    path(
        "cases/<int:case_pk>/child-records/cp-plans/<int:cp_plan_pk>/category/", apis.CpCategoryView.as_view()
    ),
    path("cases/<int:case_pk>/child-records/cp-plans/<int:cp_plan_pk>/end/", apis.CpEndView.as_view()),
    path("cases/<int:case_pk>/supervisions/", apis.CaseSupervisionsView.as_view(), name="api-supervisions"),
    path("supervisions/<int:supervision_pk>/reflections/", apis.SupervisionReflectionView.as_view()),
    path("supervision-actions/<int:action_pk>/done/", apis.SupervisionActionDoneView.as_view()),
    *router.urls,
]
