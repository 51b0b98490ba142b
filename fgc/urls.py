from django.urls import path

from fgc import views

app_name = "fgc"
urlpatterns = [
    path("family-group-conferences/", views.queue, name="queue"),
    path("family-group-conferences/<int:pk>/", views.referral_detail, name="detail"),
    path("family-group-conferences/<int:pk>/conference/", views.conference_record, name="conference"),
    path("family-group-conferences/<int:pk>/plan/", views.plan_record, name="plan"),
    path("family-group-conferences/<int:pk>/review/", views.review_record, name="review"),
    path("family-group-conferences/<int:pk>/<str:act>/", views.referral_act, name="act"),
    path("cases/<int:case_pk>/family-group-conference/", views.referral_new, name="refer"),
]
