from django.urls import path

from messagecenter.files import views

urlpatterns = [
    path("f/<str:token>/<str:name>", views.download, name="file_download"),
    path("f/<str:token>/", views.link, name="file_link"),
]
