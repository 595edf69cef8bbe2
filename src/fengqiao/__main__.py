"""``python -m fengqiao``: the command line."""

from fengqiao.cli import main

main()
