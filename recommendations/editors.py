"""The Editors group: what an editor may do, as one list that the migrations and the API both use.

Editors review recommendations (decisions go through the admin actions, which need "change"),
assemble and publish issues with their entries and figures, complete papers, their authors and
links, approve proposed topics, read and mark reward claims, and look after the newsletter
(subscribers may be removed on request, not added by hand: they confirm their own address;
deliveries are a record). Not: users, groups or permissions; deleting a recommendation, a paper
or a recommender.
"""

from django.contrib.auth.management import create_permissions

GROUP_NAME = "Editors"

_ALL = ("view", "add", "change", "delete")
# app label -> model name -> actions (Django's default permissions: view, add, change, delete).
PERMISSIONS = {
    "recommendations": {
        "recommendation": ("view", "change"),
        "issue": _ALL,
        "issueentry": _ALL,
        "figure": _ALL,
        "recommender": ("view", "change"),
        "reward": ("view", "change"),
        "subscriber": ("view", "change", "delete"),
        "newsletterdelivery": ("view",),
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


# The models publishing brought (migration 0004): the group got their permissions in a later step
# (0005), and undoing that step takes them back.
PUBLISHING_MODELS = ("reward", "subscriber", "newsletterdelivery")


def permission(action: str, model: str, app_label: str = "recommendations") -> str:
    """The permission name for ``user.has_perm`` ("recommendations.change_issue"), for an action
    editors hold: asking for one they do not hold is a mistake found when the module loads."""
    if action not in PERMISSIONS.get(app_label, {}).get(model, ()):
        raise LookupError(f"Editors do not hold {action} on {app_label}.{model}")
    return f"{app_label}.{action}_{model}"


def editors_group_grant(apps, schema_editor, *, without=()):
    """Give the Editors group (created if missing) exactly the permissions of the list, but on the
    models named in ``without``, for the models that exist in the migration state ``apps``: a
    migration calls it with its own state, so a model added later is granted by a later migration."""
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

    existing = {(model._meta.app_label, model._meta.model_name) for model in apps.get_models()}
    wanted = {
        (app_label, f"{action}_{model}")
        for app_label, models in PERMISSIONS.items()
        for model, actions in models.items()
        if (app_label, model) in existing and model not in without
        for action in actions
    }
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = [
        permission
        for permission in Permission.objects.using(alias)
        .filter(content_type__app_label__in=PERMISSIONS, codename__in={codename for _, codename in wanted})
        .select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    found = {(permission.content_type.app_label, permission.codename) for permission in permissions}
    if found != wanted:
        # A group silently missing a permission would only show as a 403 in an editor's face.
        raise RuntimeError(f"Permissions missing for the Editors group: {sorted(wanted - found)}")
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)
