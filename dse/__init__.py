"""dse: design-space exploration for quantization-aware DNN accelerators."""

__version__ = "0.1.0"
