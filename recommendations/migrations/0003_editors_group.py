"""The "Editors" group: exactly what an editor needs in the back office, and nothing on accounts.

Review recommendations (decisions go through the admin actions, which need "change"),
assemble issues with their entries and figures, complete papers, their authors and links,
approve proposed topics. Not: users, groups or permissions; deleting a recommendation, a
paper or a recommender.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Editors"

_ALL = ("view", "add", "change", "delete")
EDITOR_PERMISSIONS = {
    "recommendations": {
        "recommendation": ("view", "change"),
        "issue": _ALL,
        "issueentry": _ALL,
        "figure": _ALL,
        "recommender": ("view", "change"),
    },
    "papers": {
        "paper": ("view", "change"),
        "repository": ("view", "change"),
        "author": ("view", "change"),
        "paperrepository": _ALL,
        "paperlink": _ALL,
        "paperauthor": _ALL,
        "tag": ("view", "add", "change"),
        "area": ("view",),
    },
}


def create_editors_group(apps, schema_editor):
    alias = schema_editor.connection.alias
    # On a fresh database permissions only appear after the whole migrate (post_migrate):
    # create them now. Historical app configs have no models module, which would make
    # create_permissions skip them.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, using=alias, apps=apps)
        finally:
            app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = {
        (app_label, f"{action}_{model}")
        for app_label, models in EDITOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    }
    permissions = [
        permission
        for permission in Permission.objects.using(alias)
        .filter(content_type__app_label__in=EDITOR_PERMISSIONS, codename__in={codename for _, codename in wanted})
        .select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    found = {(permission.content_type.app_label, permission.codename) for permission in permissions}
    if found != wanted:
        # A group silently missing a permission would only show as a 403 in an editor's face.
        raise RuntimeError(f"Permissions missing for the Editors group: {sorted(wanted - found)}")
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


def remove_editors_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("papers", "0003_proposed_topics"),
        ("recommendations", "0002_recommending"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
