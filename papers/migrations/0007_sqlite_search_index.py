"""Search on SQLite (the embedded default): an FTS5 trigram table and triggers, as 0004_search is on PostgreSQL.

A no-op on PostgreSQL. The SQL lives in papers/sqlite_search.py, because a later migration that
rebuilds one of the tables drops its triggers and the post_migrate hook there must put them back
with the very same SQL.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from papers.sqlite_search import install_index

    install_index(schema_editor.connection)


def backward(apps, schema_editor):
    from papers.sqlite_search import uninstall_index

    uninstall_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0006_related_papers"),
        # The triggers sit on the recommendations tables as they are after it.
        ("recommendations", "0006_related_papers"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
