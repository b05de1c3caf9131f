"""`python3 -m lossbench_torch <command>`."""
import sys

from .cli import main

if __name__ == "__main__":  # multiprocessing's spawn never re-runs a package's __main__, but be explicit
    sys.exit(main(sys.argv[1:]))
