"""What every ``python -m core`` sub-command shares: its one-line input error and exit codes.

A module of its own so that a sub-command's module (``core/network_cli.py``) can raise and catch
the error without importing ``core.cli``, which imports it.
"""

EXIT_DATA = 1
EXIT_USAGE = 2


class InputError(Exception):
    """A problem with the input file, already formatted as ``file:row: problem``."""
