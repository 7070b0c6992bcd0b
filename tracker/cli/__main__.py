"""`python -m tracker.cli`, as the tests and some deployments call it."""

from tracker.cli import main

main()
