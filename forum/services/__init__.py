"""Domain rules and transactions. No request objects, no socket emits."""


class ServiceError(ValueError):
    """A domain rule refused the request; the message is safe to show the user."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
