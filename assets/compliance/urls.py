"""REST routes of compliance, mounted under /api/v1/."""
urlpatterns: list = []
