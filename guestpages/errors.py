from jada.errors import ConfigurationError, JadaError


class GuestPageError(JadaError):
    """A guest page or photo operation that could not be done."""


class BrandMisconfigured(ConfigurationError):
    """The brand's row lacks something publishing needs (bucket, domain, distribution)."""
