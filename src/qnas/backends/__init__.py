"""Bridges to external frameworks (imported lazily; qnas core works without them).

Aer and SamplerV2 evaluation; the Qiskit circuit bridge is ``qnas.ir.qiskit_bridge``.
"""
