"""``python -m course_lib.bench``: print the benchmark table (see :mod:`course_lib.bench`)."""

import sys

from course_lib.bench.report import main

if __name__ == "__main__":
    sys.exit(main())
