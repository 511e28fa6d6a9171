"""pytest configuration for running the notebooks with nbval.

nbval starts each notebook's kernel with the environment of this pytest
process, so the kernel environment the stored outputs were made with
(``course_lib.refresh.configure_kernel_environment``: ``PYTHONHASHSEED=0``,
no ``MPLBACKEND``) is applied here, before any kernel starts.
"""

import os

from course_lib.refresh import configure_kernel_environment

configure_kernel_environment(os.environ)
