"""The MicroPython runtime of the virtual board: the real MicroPython 1.28 unix port, built with
NimBLE, running the unmodified ``firmware/`` (see ``docs/virtual-board.md``)."""
