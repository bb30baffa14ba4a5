"""Load benchmarks. Run from the repo root: ``python -m load.bench_reads``,
``python -m load.bench_fanout``. Never imported by the app or the tests."""
