"""Scale benchmarks: a generator of realistic large organisations (``generate``),
a bounded HTTP load generator (``loadgen``) and the runner that measures the
product against its targets (``run``). See bench/RESULTS.md for the latest figures."""
