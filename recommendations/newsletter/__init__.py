"""The newsletter: double opt-in sign-up, and each published issue mailed to its subscribers."""
