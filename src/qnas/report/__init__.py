"""Plots and tables of a run."""
