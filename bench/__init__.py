"""Benchmarks: ``python -m bench`` runs every ``bench/bench_*.py`` module's ``main()``.

Each module is bounded in requests and time, talks only to servers it starts on 127.0.0.1,
and writes its figures to ``bench/results/NAME.json`` (not committed).
"""
