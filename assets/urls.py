"""Web pages of the assets app."""
from django.urls import path

from . import user_views

app_name = "assets"
urlpatterns: list = [
    path("users/", user_views.user_list, name="user-list"),
    path("users/new/", user_views.user_create, name="user-create"),
    path("users/<int:pk>/", user_views.user_edit, name="user-edit"),
    path("users/<int:pk>/password/", user_views.user_password, name="user-password"),
]
