from django.urls import path

from messagecenter.transports.webchat import views

app_name = "webchat"

urlpatterns = [
    path("messenger.js", views.messenger_script, name="script"),
    path("chat/<str:widget_key>/", views.hosted_chat, name="chat"),
    path("demo/", views.demo, name="demo"),
]
