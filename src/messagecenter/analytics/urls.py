from django.urls import path

from messagecenter.analytics import views

urlpatterns = [
    path("analytics/", views.analytics, name="analytics"),
    path("analytics/charts/<slug:key>.csv", views.chart_csv, name="analytics_chart_csv"),
    path("analytics/conversations.csv", views.conversations_csv, name="analytics_export"),
]
