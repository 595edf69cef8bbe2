"""``python -m fengqiao``: the command line."""

from fengqiao.cli import main

if __name__ == "__main__":
    main()
