from django.urls import path
from rest_framework.routers import SimpleRouter

from disagreements import apis

router = SimpleRouter()
router.register("disagreements", apis.DisagreementViewSet, basename="disagreement")

urlpatterns = [
    path("contacts/<int:contact_pk>/disagreements/", apis.ContactDisagreementView.as_view()),
    *router.urls,
]
