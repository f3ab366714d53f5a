"""The root of the test suites; it holds no fixtures.

As ``tests.conftest`` (``tests/`` is a package) it makes pytest put the repository root on sys.path
before any suite is collected, so every suite imports the one browser/process harness as
``tests.e2e.browser``, ``tests.e2e.services``, ``tests.e2e.eds`` and ``tests.e2e.camera``, whichever
folder pytest collects first (``pytest tests/eds_toolkit/portal_agent tests/e2e`` as well as the whole
tree), and the real packages win over test folders of the same name even when pytest is started
without the repository as the working directory.
"""
