"""REST routes of this app, mounted under /api/v1/ by api.urls."""
from rest_framework.routers import SimpleRouter

router = SimpleRouter()
urlpatterns = router.urls
