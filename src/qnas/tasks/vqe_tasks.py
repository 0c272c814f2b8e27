"""VQE tasks of ``qnas run``: a molecule, an active space and a fermion-to-qubit mapping.

>>> VQE_TASKS["vqe_lih"].active_space, is_vqe_task("vqe_h2"), is_vqe_task("mnist4")
('2e2o', True, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from qnas.suggest import lookup


@dataclass(frozen=True)
class VQETaskSpec:
    name: str
    molecule: str
    active_space: str
    mapping: str = "jordan_wigner"

    def hamiltonian(self):
        """The cached :class:`~qnas.tasks.hamiltonian.MolecularHamiltonian` of the task."""
        from qnas.tasks.hamiltonian import molecular_hamiltonian

        return molecular_hamiltonian(self.molecule, active_space=self.active_space,
                                     mapping=self.mapping)


# 4-6 qubits (Jordan-Wigner): each fits a 5-qubit device except BeH2 (6).
VQE_TASKS: dict[str, VQETaskSpec] = {
    t.name: t for t in (
        VQETaskSpec("vqe_h2", "H2", "full"),
        VQETaskSpec("vqe_lih", "LiH", "2e2o"),
        VQETaskSpec("vqe_h2o", "H2O", "2e2o"),
        VQETaskSpec("vqe_ch4", "CH4", "2e2o"),
        VQETaskSpec("vqe_beh2", "BeH2", "2e3o"),
    )
}


def is_vqe_task(name: str) -> bool:
    return str(name).lower() in VQE_TASKS


def get_vqe_task(name: str) -> VQETaskSpec:
    """The :class:`VQETaskSpec` of ``name``; unknown names raise with close suggestions."""
    return lookup(VQE_TASKS, name, "VQE task")
