"""Error raised for invalid memory-model input (subclass of ValueError so callers can catch either)."""


class MemoryModelError(ValueError):
    """Bad memory-model input: the message names the argument, the bad values and what is expected."""
