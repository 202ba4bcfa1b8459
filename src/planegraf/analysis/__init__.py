"""Analyses of the collaboration network: graphs, metrics, coordination gaps and comparisons."""
