"""Top-level URL map: admin, /api/v1, the OpenAPI schema and docs, accounts, and each app's pages."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .auth import LockoutAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("start/<str:role>/", views.role_start, name="role-start"),
    path("search/", views.search, name="search"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", views.schema_view, name="schema"),
    path("api/docs/", views.docs_view, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("assets.urls")),
    path("", include("uniforms.urls")),
    path("", include("recorders.urls")),
    path("", include("telematics.urls")),
    path("", include("telematics.live.urls")),
    path("", include("telematics.tracking.cases.urls")),
    path("", include("telematics.tracking.urls")),
    path("", include("gis.urls")),
    path("", include("compliance.web_urls")),
    path("", include("quartermaster.notify.urls")),
]

handler404 = views.not_found
handler500 = views.server_error
