"""Write the derivation document of ghostsym as one LaTeX file.

    python derivations/build_derivations.py --out derivations.tex

Every equation in it is rendered from the SymPy objects ghostsym derives (canonical form,
passage times, task loss and gradient, critical learning rate and its exponents, descent map,
finite confidence, and the normal-form reduction when that module is installed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import ghostsym


def main(argv: list[str] | None = None) -> int:
    """Write the document to ``--out``; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the .tex file to write")
    arguments = parser.parse_args(argv)
    if arguments.out.suffix != ".tex":
        parser.error(f"--out must name a .tex file, got {str(arguments.out)!r}")
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(ghostsym.derivation_document(), encoding="utf-8")
    print(arguments.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
