"""Code generation: shape functions as data (``spec``), one module per target."""
