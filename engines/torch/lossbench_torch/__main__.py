"""`python3 -m lossbench_torch <command>`."""
from .tether import tie_from_env

tie_from_env()  # first: a process whose parent dies must not live on to start torch (tether.py)

import sys  # noqa: E402

from .cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
