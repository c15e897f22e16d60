"""`python -m kb` runs the `kb` command, for environments where its script is not on PATH."""

from kb.cli import main

main()
