"""Accounts: sign-up with a mailed confirmation, log-in by handle or e-mail, profiles,
passwords and their reset, API tokens, and the user admin."""
