from django.urls import path

from messagecenter.transports.webchat import uploads, views

app_name = "webchat"

urlpatterns = [
    path("messenger.js", views.messenger_script, name="script"),
    path("messenger/modules/<str:name>", views.messenger_module, name="module"),
    path("messenger-voice.js", views.voice_script, name="voice_script"),
    path("chat/<str:widget_key>/", views.hosted_chat, name="chat"),
    path("demo/", views.demo, name="demo"),
    path("messenger/<str:widget_key>/uploads/", uploads.create, name="uploads"),
    path("messenger/<str:widget_key>/uploads/<str:upload_id>/", uploads.upload, name="upload"),
]
