"""Editors also run publishing: the group gets what recommendations/editors.py lists for the
models 0004_publishing added (reward claims, subscribers, newsletter deliveries).
"""

from django.db import migrations

from recommendations.editors import GROUP_NAME, PUBLISHING_MODELS, editors_group_grant


def grant(apps, schema_editor):
    editors_group_grant(apps, schema_editor)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(content_type__model__in=PUBLISHING_MODELS))


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0004_publishing")]

    operations = [migrations.RunPython(grant, revoke)]
