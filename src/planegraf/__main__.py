"""``python -m planegraf``: the command line, for tests and environments without the script."""

from planegraf.cli import main

main()
