"""`python -m tenku` is the `tenku` command."""

from tenku.cli.main import main

main()
