"""Front-ends: each reads one kind of source (a spec file, an ONNX graph, a PyTorch model) and
imports its framework alone. ``torch_trace`` and ``explore`` read a PyTorch model through
PyTorch's own symbolic shapes, one path per region of sizes, coverage proved by Z3."""
