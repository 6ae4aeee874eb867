"""Pages of notify."""
from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("notifications/", views.inbox_page, name="inbox"),
    path("notifications/settings/", views.settings_page, name="settings"),
    path("notifications/deliveries/", views.deliveries_page, name="deliveries"),
    path("reports/schedules/", views.schedules_page, name="schedules"),
    path("reports/schedules/<int:pk>/runs/", views.runs_page, name="runs"),
    path("reports/files/<int:pk>/", views.report_file, name="report-file"),
]
