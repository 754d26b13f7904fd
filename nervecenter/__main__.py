"""`python -m nervecenter`: the same as the `nervecenter` command."""

from nervecenter.cli import main

main()
