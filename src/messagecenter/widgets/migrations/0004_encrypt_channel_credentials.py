"""Channel credentials encrypted at rest (core/secrets.py).

Three steps, so no step reads a value in a format it does not expect: the JSON column becomes
plain text (PostgreSQL casts jsonb to its text), every existing value is encrypted in place,
then the field is the encrypted one (same text column, no SQL). Reversed, the values are
decrypted back to JSON text and the column becomes JSON again.
"""

import json

from django.db import migrations, models

from messagecenter.core import secrets


def encrypt_existing(apps, schema_editor):
    connections = apps.get_model("widgets", "ChannelConnection")._base_manager
    for pk, raw in connections.values_list("pk", "credentials").iterator():
        value = json.loads(raw) if raw else {}
        connections.filter(pk=pk).update(credentials=secrets.encrypt_json(value))


def decrypt_existing(apps, schema_editor):
    connections = apps.get_model("widgets", "ChannelConnection")._base_manager
    for pk, token in connections.values_list("pk", "credentials").iterator():
        value = secrets.decrypt_json(token) if token else {}
        connections.filter(pk=pk).update(credentials=json.dumps(dict(value)))


class Migration(migrations.Migration):

    dependencies = [
        ("widgets", "0003_widget_continue_ended_days"),
    ]

    operations = [
        migrations.AlterField(
            model_name="channelconnection",
            name="credentials",
            field=models.TextField(blank=True, default="{}"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
        migrations.AlterField(
            model_name="channelconnection",
            name="credentials",
            field=secrets.EncryptedJSONField(blank=True, default=dict),
        ),
    ]
