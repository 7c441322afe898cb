"""symconv: convolution arithmetic (Dumoulin & Visin) encoded in SymPy and proved with Z3."""

__version__ = "0.1.0"
