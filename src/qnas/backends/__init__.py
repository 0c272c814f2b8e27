"""Bridges to external frameworks (imported lazily; qnas core works without them).

``qnas.backends.qiskit_bridge``: ``to_qiskit(circuit)`` / ``from_qiskit(qc, inputs=None)``.
"""
