"""Django app configuration for uniforms."""
from django.apps import AppConfig


class UniformsConfig(AppConfig):
    name = "uniforms"
    verbose_name = "服装证件"
