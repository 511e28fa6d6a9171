"""Loads the test plumbing in tests/ for every pytest run, whichever paths it is given
(a conftest.py in tests/ is not read when only notebooks/ is tested)."""

pytest_plugins = ["tests.nbval_env"]
