"""OpenAPI generation hooks (drf-spectacular's PREPROCESSING_HOOKS)."""


def drop_trailing_slash_twins(endpoints, **kwargs):
    """A route mounted both as SPEC spells it (`/vehicles/{id}/dossier.pdf`) and as the router does (with a
    trailing slash) is one operation: the schema lists it once, by its SPEC spelling."""
    paths = {path for path, _regex, _method, _callback in endpoints}
    return [endpoint for endpoint in endpoints if not (endpoint[0].endswith("/") and endpoint[0][:-1] in paths)]
