import sys

try:
    from symconv.cli import entry
except KeyboardInterrupt:  # while loading (SymPy, the commands), before the command began
    from symconv.interrupt import before_start

    sys.exit(before_start(sys.argv[1:], sys.stdout, sys.stderr))
entry()
