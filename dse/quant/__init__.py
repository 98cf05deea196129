"""Precision co-exploration: per-layer quantization sensitivity, hardware-aware mixed-precision
search, and quantized models written back (``dse sensitivity``, ``dse mixed-precision``,
``dse quantize``, ``precision: {policy: search}``)."""
