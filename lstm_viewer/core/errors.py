"""The exception types the CLI and the app turn into a plain message (one line, no traceback)."""


class UserError(Exception):
    """Bad input from the user (a file, an option, missing data): shown as one line, no traceback."""


class UnsupportedModel(UserError):
    """The file is a model, but not one whose arithmetic the numpy engine reproduces."""


class UnknownLayout(UserError):
    """The archive is laid out in a way the direct reader does not know (Keras may still read it)."""
