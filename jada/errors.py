"""One error family. Expected failures are ``JadaError``s and become admin messages or JSON errors;
anything else is a bug and is logged with its traceback."""


class JadaError(Exception):
    """An expected failure with a message fit to show to the person who caused it."""

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConfigurationError(JadaError):
    """Something an operator must fix in settings or in a brand's row."""


class RemoteError(JadaError):
    """A remote service (AWS, SCC, calendar) failed. ``transient`` says whether a retry may help."""

    def __init__(self, message: str, *, transient: bool, code: str = "remote_error") -> None:
        super().__init__(message, code=code)
        self.transient = transient
