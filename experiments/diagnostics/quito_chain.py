"""Does a SWAP-free chain SubCircuit beat the full U3+CU3 design on quito? (docs/results.md)

Quito's coupling map is T-shaped, so the 4-qubit CU3 ring of every block needs routing; the
SubCircuits that drop the ring-closing CU3 (genes ``4,3`` per block: 12 CU3) fit a line.
For one finished run of ``mnist4-quito-connected-refine`` this prints, for the full design
and the chain on a few layouts, the co-search's fitness (inherited SuperCircuit weights,
noisy validation accuracy) and the same noisy score after training from scratch for the
row's ``train.epochs``. Usage (needs the row's run directory with its SuperCircuit)::

    .venv/bin/python experiments/diagnostics/quito_chain.py [SEED]
"""

import json
import sys

import torch

from qnas.config import from_dict
from qnas.pipeline.context import Context
from qnas.pipeline.stages.search import genome_space
from qnas.pipeline.stages.train import train_circuit
from qnas.rundir import RunDir, load_checkpoint
from qnas.spaces import SpecGenes

FULL, CHAIN = [4] + [4, 4] * 4, [4] + [4, 3] * 4


def main(seed: int = 0) -> None:
    run = f"runs/experiments/mnist4-quito-connected-refine/seed-{seed}"
    cfg = from_dict(json.load(open(f"{run}/config.json")))
    cfg.runtime.apply_threads()
    ctx = Context(cfg)
    with torch.no_grad():
        ctx.sc.weights.copy_(load_checkpoint(f"{run}/checkpoints/supercircuit.pt")["params"])
    fitness = ctx.fitness(ctx.sc.weights, True)
    space = genome_space(ctx, SpecGenes.from_space(ctx.sc.space, ctx.n_qubits, ctx.sc.max_blocks))
    out = RunDir(f"runs/diagnostics/quito-chain-{seed}")
    for genes, layout in [(FULL, [4, 3, 1, 2]), (CHAIN, [0, 1, 3, 4]), (CHAIN, [4, 3, 1, 2])]:
        g = space.make(genes, layout)
        circuit, index = ctx.circuits(g.spec)
        params, _ = train_circuit(ctx, out, "m" + "".join(map(str, genes + layout)), circuit,
                                  ctx.initial_weights(index, scratch=True), g.layout, False)
        print(f"{g.spec.to_string()} on {layout}: {circuit.num_two_qubit_gates} CU3, inherited "
              f"fitness {fitness(g):.3f}, trained from scratch "
              f"{ctx.noisy_score(circuit, params, g.layout):.3f}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
