"""`make bench`: what our code costs on top of the I/O it cannot avoid (docs/performance.md)."""
