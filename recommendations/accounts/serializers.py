"""Shapes of the token exchange: what is sent, and the token that comes back."""

from rest_framework import serializers

from paperdaily.lib.api import StrictCharField


class TokenObtainSerializer(serializers.Serializer):
    username = StrictCharField(max_length=254, help_text="Your handle or e-mail address.")
    password = StrictCharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
