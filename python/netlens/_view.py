"""The window of :meth:`netlens.Graph.view`, in a process of its own: reads the pickled
graph the caller wrote (and removes the file), then runs ``netlens view`` on it."""

import os
import pickle
import signal
import sys

from . import NetlensError


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    recipe, argv = sys.argv[1], sys.argv[2:]
    try:
        with open(recipe, "rb") as file:
            graph = pickle.load(file)
    finally:
        os.remove(recipe)
    try:
        graph._native.run("view", argv)
    except NetlensError as error:
        print(f"netlens: error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
