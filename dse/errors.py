"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class UserError(Exception):
    """Bad input from the user (spec, file, option): the message names what and where, and what is expected."""
