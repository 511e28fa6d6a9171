"""A pytest plugin: the notebook kernels that nbval starts get the refresh environment.

nbval starts each notebook's kernel with the environment of the pytest process, so the
environment the stored outputs were made with
(:func:`course_lib.refresh.configure_kernel_environment`: ``PYTHONHASHSEED=0``, no
``MPLBACKEND``) is applied here, when pytest loads the plugin
(``-p course_lib.nbval_env`` in ``pyproject.toml``), before any kernel starts.
"""

import os

from course_lib.refresh import configure_kernel_environment

configure_kernel_environment(os.environ)
