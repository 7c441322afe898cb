from symconv.cli import entry

entry()
