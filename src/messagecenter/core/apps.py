from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "messagecenter.core"
    label = "core"

    def ready(self) -> None:
        from messagecenter.core.events import register_sink
        from messagecenter.realtime.publisher import channel_layer_sink

        register_sink(channel_layer_sink)
