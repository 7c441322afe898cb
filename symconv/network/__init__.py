"""Network arithmetic: a whole network's valid input sizes, output sizes and receptive fields.

``ir`` is the description every front-end builds; torch and onnx are imported only by the
front-end that reads them.
"""
