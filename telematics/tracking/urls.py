"""Pages of the ingest, mounted at the site root by quartermaster.urls."""
from django.urls import path

from . import views

app_name = "tracking"
urlpatterns = [
    path("deadletters/", views.deadletter_list, name="deadletter-list"),
    path("deadletters/<int:pk>/retry/", views.deadletter_retry, name="deadletter-retry"),
    path("tracks/access/", views.track_access_list, name="track-access-list"),
]
