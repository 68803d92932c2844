from django.urls import path

from messagecenter.archive import views

urlpatterns = [
    path("conversations/", views.archive, name="archive"),
    path("conversations/count/", views.archive_count, name="archive_count"),
    path("conversations/export.csv", views.archive_export, name="archive_export"),
    path("conversations/jobs/", views.archive_jobs, name="archive_jobs"),
    path("conversations/jobs/<str:job_id>/", views.archive_job, name="archive_job"),
]
