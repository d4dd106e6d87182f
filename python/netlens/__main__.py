"""``python -m netlens``: the ``netlens`` command."""

from ._cli import main

main()
