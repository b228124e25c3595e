"""infra-checker: keep documented infrastructure honest by verifying every fact live."""

__version__ = "0.1.0"
