"""Benchmarks beside what users would pick instead: `python -m bench [build|server|weight]`.

Each benchmark prints its figures and the ratios measured in the same run, and
writes them to bench/results/<name>.json. Never run by the test suite.
"""
