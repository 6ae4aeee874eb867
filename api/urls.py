"""/api/v1/: each app's router mounted at the root, so routes read /api/v1/<resource>/."""
from django.urls import include, path

urlpatterns = [
    path("", include("assets.api.urls")),
    path("", include("uniforms.api.urls")),
    path("", include("telematics.api.urls")),
    path("", include("telematics.tracking.api.urls")),
    path("", include("gis.api.urls")),
    path("", include("assets.compliance.urls")),
]
