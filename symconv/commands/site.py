from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from symconv.commands._args import add_json
from symconv.errors import EXIT_OK, UsageError, path_kind

HELP = ("write a static explorer site: pick an op, a framework and its parameters; the output "
        "size, the rule's checks and the framework's code from the verified TypeScript "
        "helpers, the guide's animation")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "DIR gets index.html (open it from the file system; it makes no request), "
        "frameworkshape.js (the helpers the page inlines) and fig/ (the animations, drawn for "
        "i 1..7, k 1..4, s 1..3, p 0..2, d 1..2; about 10 MB). Files of those names are "
        "overwritten, nothing else in DIR is touched. Exit codes: 0 written, 2 bad input.")
    parser.add_argument("dir", type=Path, metavar="DIR", help="the directory to write")
    add_json(parser, "an object with the directory and the number of files and figures")


def _writable(root: Path) -> None:
    kind = path_kind(root, "DIR")
    if kind not in ("missing", "dir"):
        raise UsageError(f"DIR must be a directory, got the file {root}")
    existing = root.absolute()
    while path_kind(existing, "DIR") == "missing":
        existing = existing.parent
    if path_kind(existing, "DIR") != "dir":
        raise UsageError(f"DIR: cannot write {root}: {existing} is not a directory")
    if not os.access(existing, os.W_OK):
        raise UsageError(f"DIR: cannot write {root}: {existing} is not writable")
    fig = root / "fig"
    if path_kind(fig, "DIR") not in ("missing", "dir"):
        raise UsageError(f"DIR: {fig} exists and is not a directory")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from symconv import interrupt, site
    from symconv.render import dump_json

    root: Path = args.dir
    _writable(root)
    done = interrupt.track("files", "")  # one piece of work, no rows: where it was
    done.note = f"while drawing the site: nothing written to {root}"
    files = site.site_files()
    with interrupt.held():  # every file or, interrupted before, none
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        done.note = f"after writing all {len(files)} files to {root}"
    figures = sum(rel.startswith("fig/") for rel in files)
    if args.json:
        dump_json({"dir": str(root), "files": len(files), "figures": figures,
                   "index": str(root / "index.html")}, out)
    else:
        out.write(f"wrote {root / 'index.html'} and {figures} figures under {root / 'fig'}\n")
    return EXIT_OK
