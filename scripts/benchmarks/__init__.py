"""The benchmark suite behind ``scripts/bench``: each module measures one cost and
returns a :class:`Section`; ``scripts/benchmarks/__main__.py`` runs them and writes
``docs/BENCHMARKS.md``. Figures are medians of several runs, and every claim is a ratio
measured in the same run against a baseline on the same machine (an empty store, a bare
interpreter, a loopback server's own ceiling), never a timed assertion."""
