"""``manage.py changepassword``: Django's, and then the API token of the user is revoked.

Every way a password is set anew calls ``accounts.account_password_changed``. Django finds
this command before its own because ``recommendations`` comes before ``django.contrib.auth``
in ``INSTALLED_APPS``.
"""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword

from recommendations.accounts.services import account_password_changed


class Command(changepassword.Command):
    def handle(self, *args, **options):
        message = super().handle(*args, **options)  # raises CommandError when nothing changed
        User = get_user_model()
        username = options["username"] or getpass.getuser()
        user = User._default_manager.db_manager(options["database"]).get(**{User.USERNAME_FIELD: username})
        account_password_changed(user=user)
        return message
