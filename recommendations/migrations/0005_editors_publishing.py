"""Editors also run publishing: they read and mark reward claims, and look after the newsletter.

Subscribers may be removed on request (delete), but not added by hand (they confirm their
address themselves); deliveries are a record, read-only.
"""

import importlib

from django.db import migrations

GROUP_NAME = "Editors"
PUBLISHING_PERMISSIONS = {
    "recommendations": {
        "reward": ("view", "change"),
        "subscriber": ("view", "change", "delete"),
        "newsletterdelivery": ("view",),
    },
}


def grant(apps, schema_editor):
    earlier = importlib.import_module("recommendations.migrations.0003_editors_group")
    alias = schema_editor.connection.alias
    earlier.create_editors_group(apps, schema_editor)  # creates the new models' permissions, too
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = {
        f"{action}_{model}"
        for models in PUBLISHING_PERMISSIONS.values()
        for model, actions in models.items()
        for action in actions
    }
    permissions = list(
        Permission.objects.using(alias).filter(content_type__app_label="recommendations", codename__in=wanted)
    )
    if {permission.codename for permission in permissions} != wanted:
        raise RuntimeError(f"Permissions missing for the Editors group: {sorted(wanted)}")
    group = Group.objects.using(alias).get(name=GROUP_NAME)
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(content_type__model__in=PUBLISHING_PERMISSIONS["recommendations"])
        )


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0004_publishing")]

    operations = [migrations.RunPython(grant, revoke)]
