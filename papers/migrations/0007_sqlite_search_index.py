"""Search on SQLite (the embedded default): an FTS5 trigram table and triggers, as 0004_search is on PostgreSQL.

This creates the FTS5 table. Its triggers are put in place after every migrate and taken away
before one (a SQLite table rebuild trips on a trigger that names the table), by the pre_ and
post_migrate receivers of papers/sqlite_search.py, where all of its SQL lives. A no-op on
PostgreSQL.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from papers.sqlite_search import create_table

    create_table(schema_editor.connection)


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
