"""`python -m verrijk.cli`: the same command line as the `verrijk` script."""

from verrijk.cli import app

app()
