"""Iterative magnitude pruning of rotation angles."""

from qnas.prune.magnitude import MagnitudePruner, polynomial_ratio, remove_pruned_gates, wrap_angles

__all__ = ["MagnitudePruner", "polynomial_ratio", "remove_pruned_gates", "wrap_angles"]
