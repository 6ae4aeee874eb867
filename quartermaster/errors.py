"""The one domain error type services raise; the API maps it to a 4xx, the CLI to a non-zero exit."""


class DomainError(Exception):
    """A refused change. `code` is stable for clients, `message` says what is wrong and where."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        if status_code is not None:
            self.status_code = status_code

    def as_dict(self) -> dict:
        data = {"detail": self.message, "code": self.code}
        if self.field:
            data["field"] = self.field
        return data


class ConflictError(DomainError):
    """The change contradicts the current state (e.g. the asset is already issued)."""

    status_code = 409
