"""``qnas vqe``: ground-state energy of a molecule with VQE, compared with the exact energy.

Example::

    qnas vqe --molecule H2
    qnas vqe --molecule LiH --active-space 2e2o --mapping bk --ansatz u3cu3 --blocks 4
"""

from __future__ import annotations

import json

MAPPINGS = {"jw": "jordan_wigner", "bk": "bravyi_kitaev", "jordan_wigner": "jordan_wigner",
            "bravyi_kitaev": "bravyi_kitaev"}


def add_parser(sub) -> None:
    p = sub.add_parser("vqe", help="VQE ground-state energy of a molecule")
    p.add_argument("--molecule", required=True, help="H2, LiH, H2O, CH4, BeH2 or a geometry")
    p.add_argument("--basis", default="sto-3g")
    p.add_argument("--active-space", dest="active_space", help="preset label, e.g. 2e2o")
    p.add_argument("--mapping", default="jw", help="jw (Jordan-Wigner) or bk (Bravyi-Kitaev)")
    p.add_argument("--ansatz", default="uccsd", help="uccsd or a design space (u3cu3, ...)")
    p.add_argument("--blocks", type=int, default=4, help="blocks of a design-space ansatz")
    p.add_argument("--optimizer", default="lbfgs", choices=("lbfgs", "adam"))
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")


def build_ansatz(name: str, ham, blocks: int):
    """UCCSD (Hartree-Fock + excitations) or the human baseline of a design space."""
    if name.lower() == "uccsd":
        from qnas.tasks.uccsd import uccsd_circuit

        return uccsd_circuit(ham.n_qubits, ham.n_electrons, ham.mapping), "zeros"
    from qnas.spaces import list_spaces
    from qnas.train.baselines import human_baseline

    if name not in list_spaces():
        raise ValueError(f"unknown ansatz {name!r}; expected uccsd or a design space: "
                         f"{', '.join(list_spaces())}")
    return human_baseline(name, ham.n_qubits, blocks), "random"


def run(args) -> int:
    from qnas.tasks.hamiltonian import molecular_hamiltonian
    from qnas.train.vqe import run_vqe

    mapping = MAPPINGS.get(args.mapping.lower())
    if mapping is None:
        raise ValueError(f"unknown mapping {args.mapping!r}; expected jw or bk")
    ham = molecular_hamiltonian(args.molecule, basis=args.basis, mapping=mapping,
                                active_space=args.active_space)
    circuit, init = build_ansatz(args.ansatz, ham, args.blocks)
    init_scale = 0.01 if init == "zeros" else 1.0
    res = run_vqe(ham, circuit, steps=args.steps, lr=args.lr, seed=args.seed,
                  optimizer=args.optimizer, init="zeros" if init == "zeros" else "random",
                  init_scale=init_scale)
    out = {"molecule": ham.name, "n_qubits": ham.n_qubits, "mapping": ham.mapping,
           "ansatz": args.ansatz, "n_params": len(circuit.parameters), "energy": res.energy,
           "exact_energy": res.exact_energy, "hf_energy": ham.hf_energy, "error": res.error,
           "evaluations": res.evaluations, "seconds": res.seconds}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{ham.name} ({ham.n_qubits} qubits, {ham.mapping}, {args.ansatz}, "
              f"{out['n_params']} params)")
        print(f"  VQE energy    {res.energy:.8f} Ha")
        print(f"  exact energy  {res.exact_energy:.8f} Ha")
        print(f"  HF energy     {ham.hf_energy:.8f} Ha")
        print(f"  error         {res.error:.2e} Ha   ({res.evaluations} evaluations, "
              f"{res.seconds:.1f} s)")
    return 0
