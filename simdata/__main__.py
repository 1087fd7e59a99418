"""``python -m simdata`` is the ``simdata`` command."""

from simdata.cli import main

if __name__ == "__main__":
    main()
