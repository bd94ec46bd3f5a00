"""Shortest-path engines over a CSR view of a graph: scipy, RoutingKit CCH and the NetworkX reference.

Internals only; the metrics in :mod:`urbanchain.metrics` select an engine with ``engine=``.
"""
