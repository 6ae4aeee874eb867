"""Web pages of the assets app."""
from django.urls import path

from . import disposal_views, user_views, views

app_name = "assets"
urlpatterns: list = [
    path("users/", user_views.user_list, name="user-list"),
    path("users/new/", user_views.user_create, name="user-create"),
    path("users/<int:pk>/", user_views.user_edit, name="user-edit"),
    path("users/<int:pk>/password/", user_views.user_password, name="user-password"),
    path("disposals/", disposal_views.disposal_list, name="disposals"),
    path("disposals/register/", disposal_views.disposal_register, name="disposal-register"),
    path("disposals/<int:pk>/approve/", disposal_views.disposal_approve, name="disposal-approve"),
    path("disposals/<int:pk>/refuse/", disposal_views.disposal_refuse, name="disposal-refuse"),
    path("disposals/photos/<int:pk>/", disposal_views.disposal_photo, name="disposal-photo"),
    path("people/", views.person_list, name="person-list"),
    path("assets/", views.asset_list, name="asset-list"),
    path("assets/<str:tag>/", views.asset_detail, name="asset-detail"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<str:code>/", views.unit_detail, name="unit-detail"),
]
