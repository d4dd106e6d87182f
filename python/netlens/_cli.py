"""The ``netlens`` command the wheel installs: the command line of the Rust library,
run in this process (the same program as the ``netlens`` binary built by cargo)."""

import signal
import sys

from . import _native


def main() -> None:
    # Ctrl-C stops the command at once, as it stops the native binary; Python's own
    # handler would wait for the Rust code to return.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(_native.main(["netlens", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
