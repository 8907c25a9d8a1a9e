"""Trackside benchmarks: `python -m bench` (run from the repository root).

Not part of the test run. Each benchmark suite lives in a module named `*_bench.py` in this
package and exposes a module-level `SUITE` (a :class:`bench.core.Suite`); `python -m bench`
discovers them, so adding a suite is adding a file. See `bench/__main__.py`.
"""
