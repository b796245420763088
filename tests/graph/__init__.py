"""Tests of arazzo_runner.graph and `arazzo graph`."""
