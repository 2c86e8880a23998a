"""``python -m ghostsym``: the command line (see :func:`ghostsym.cli.main`)."""

import sys

from .cli import main

try:
    status = main()
except KeyboardInterrupt:  # Ctrl-C between the command's end and the interpreter's exit
    status = 130
sys.exit(status)
