"""The command line's one error for bad input: exit code 2 with its message, no traceback."""


class UsageError(ValueError):
    """Bad input from the command line."""
