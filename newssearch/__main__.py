"""``python -m newssearch`` runs the command line."""

from .cli import main

main()
