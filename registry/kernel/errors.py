"""Small exception classes the pages turn into clear messages."""


class RegistryError(Exception):
    """Base class for refusals the user should read."""


class PermissionDenied(RegistryError):
    """The actor's role or locality does not allow this action."""


class ValidationError(RegistryError, ValueError):
    """Input is invalid; ``field`` and ``row`` say where, when known."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None):
        super().__init__(message)
        self.field = field
        self.row = row


class StaleRecord(RegistryError):
    """Someone else saved this record since it was read; ``changes`` says what changed."""

    def __init__(self, message: str, changes: dict[str, tuple[object, object]] | None = None):
        super().__init__(message)
        self.changes = changes or {}


class InvariantViolation(RegistryError):
    """A stock or ledger rule would be broken (negative stock, expired issue, ...)."""


class AuthenticationFailed(RegistryError):
    """Wrong credentials, a disabled account or a locked account."""
