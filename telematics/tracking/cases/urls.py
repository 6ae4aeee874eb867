"""Pages of the alerts and their cases, mounted at the site root by quartermaster.urls."""
from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.alert_history, name="history"),
    path("alerts/<int:pk>/", views.alert_detail, name="detail"),
    path("alerts/<int:pk>/evidence.pdf", views.case_evidence, {"fmt": "pdf"}, name="case-evidence-pdf"),
    path("alerts/<int:pk>/evidence.xlsx", views.case_evidence, {"fmt": "xlsx"}, name="case-evidence-xlsx"),
    path("alerts/attachments/<int:pk>/", views.case_attachment, name="case-attachment"),
]
