"""Error raised for invalid memory-model input (subclass of ValueError so callers can catch either)."""


class MemoryModelError(ValueError):
    """Bad memory-model input: the message names the argument, the bad values and what is expected."""


class CellDriveError(MemoryModelError):
    """No access-device width writes the MRAM cell at the node, roadmap and supply (memory_models.drive)."""
