from django.urls import path
from django.views.decorators.http import require_safe

from stepdown import views

app_name = "stepdown"

urlpatterns = [
    path("step-downs/", views.stepdown_list, name="list"),
    path("step-downs/audit/", views.audit_report, name="audit"),
    path("step-downs/audit/sample/", views.audit_sample, name="audit-sample"),
    path("step-downs/audit/items/<int:pk>/", views.audit_finding, name="audit-finding"),
    path("step-downs/<int:pk>/", require_safe(views.stepdown_detail), name="detail"),
    path("step-downs/<int:pk>/take-up/", views.stepdown_take_up, name="take-up"),
    path("step-downs/<int:pk>/<str:act>/", views.stepdown_act, name="act"),
    path("cases/<int:case_pk>/step-down/", views.stepdown_routes, name="routes"),
    path("cases/<int:case_pk>/step-down/<str:route>/", views.stepdown_new, name="new"),
    path("families/<int:family_pk>/consents/", views.consent_list, name="consents"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("drift/", views.drift_review, name="drift"),
    path("drift/review-sets/", views.review_set_add, name="review-set-add"),
    path("review-sets/", views.review_set_list, name="review-sets"),
    path("review-sets/<int:pk>/", views.review_set_detail, name="review-set"),
    path("review-sets/<int:pk>/cases/<int:case_pk>/outcome/", views.review_outcome, name="review-outcome"),
]
