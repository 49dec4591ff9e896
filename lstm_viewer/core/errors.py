"""The one exception type the CLI and the app turn into a plain message."""


class UserError(Exception):
    """Bad input from the user (a file, an option, missing data): shown as one line, no traceback."""
