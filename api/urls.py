"""/api/v1/: each app's router mounted at the root, so routes read /api/v1/<resource>/."""
from django.urls import include, path

from .auth import TokenView

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("assets.api.urls")),
    path("", include("uniforms.api.urls")),
    path("", include("recorders.api.urls")),
    path("", include("telematics.api.urls")),
    path("", include("telematics.journeys.api.urls")),
    path("", include("telematics.reports.api")),
    path("", include("telematics.register.api")),
    path("", include("telematics.tracking.api.urls")),
    path("", include("gis.api.urls")),
    path("", include("compliance.urls")),
    path("", include("quartermaster.notify.api.urls")),
]
