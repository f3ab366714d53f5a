"""The test suites. A package, so that pytest's rootdir-based sys.path insertion puts the repository
root on sys.path for ``tests/conftest.py``, ``tests/e2e`` and ``tests/agent`` (never ``tests/`` itself,
whose folders ``ca``, ``keystore``, ``eds_toolkit``, ``webcam_flow`` would shadow the real packages)."""
