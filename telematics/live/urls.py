"""Pages of the live map and track replay, mounted at the site root by quartermaster.urls."""
from django.urls import path

from . import views

app_name = "live"
urlpatterns = [
    path("map/", views.live_map, name="map"),
    path("map/snapshot.json", views.map_snapshot, name="snapshot"),
    path("map/stream/", views.map_stream, name="stream"),
    path("map/replay/", views.track_replay, name="replay"),
]
