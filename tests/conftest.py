"""The root of the test suites; it holds no fixtures.

Its one job: pytest (rootdir-based sys.path insertion) puts this folder, ``tests/``, on sys.path when it
loads this file, before any suite is collected. So every suite imports the one browser/process harness
as ``e2e.browser``, ``e2e.services``, ``e2e.eds`` and ``e2e.camera``, whichever folder pytest collects
first (``pytest tests/eds_toolkit/portal_agent tests/e2e`` as well as the whole tree).
"""
