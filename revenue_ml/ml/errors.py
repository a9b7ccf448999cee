"""Errors raised for bad model input: they name the model and the fix."""


class ModelInputError(ValueError):
    """Training or scoring data cannot be used (one class, too few rows, forbidden feature)."""
