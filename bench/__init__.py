"""Benchmarks for understanding quality and serving speed, with a stock `rasa init` assistant as baseline."""
