"""The "Editors" group, with the permissions recommendations/editors.py lists for the models that
exist at this point (0005_editors_publishing grants the ones of the publishing models).
"""

from django.db import migrations

from recommendations.editors import GROUP_NAME, PUBLISHING_MODELS, editors_group_grant


def create_editors_group(apps, schema_editor):
    editors_group_grant(apps, schema_editor, without=PUBLISHING_MODELS)


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
