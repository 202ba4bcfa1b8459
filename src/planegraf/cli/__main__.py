"""``python -m planegraf.cli``: the command line, for tests and environments without the script."""

from planegraf.cli import main

main()
