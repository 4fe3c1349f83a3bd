"""`python -m formgen` runs the command line."""
from .cli import main

main()
