"""The composite score of Élivágar, ``RepCap x CNR**w``, and a picklable fitness computing it.

:class:`PredictorFitness` scores a device-aware :class:`~qnas.elivagar.candidates.Candidate`
(its circuit placed as it is on its layout) or a SuperCircuit genome (the SubCircuit from
``circuits(genome.spec)``, compiled onto the device with the genome's layout). Each
candidate's replicas and parameter draws come from a generator seeded by the candidate's
content, so a score does not depend on the order of evaluation, the executor or a resume.

>>> composite(0.8, 0.9, weight=0.5) == 0.8 * 0.9**0.5
True
>>> import numpy as np, torch
>>> from qnas.devices import Target
>>> from qnas.elivagar.candidates import device_candidate
>>> from qnas.tasks.encoders import get_encoder
>>> t = Target.from_backend("santiago")
>>> enc = get_encoder("2x1_ryry").to_circuit(2)
>>> cand = device_candidate(t, 2, 4, np.random.default_rng(0), encoder=enc)
>>> x = torch.tensor([[0.1, 0.2], [0.2, 0.1], [2.9, 3.0], [3.0, 2.8]])
>>> y = torch.tensor([0, 0, 1, 1])
>>> f = PredictorFitness(t, x, y, replicas=4, repcap_params=4)
>>> s = f.components(cand)
>>> 0 < s["score"] <= 1, s["score"] == f(cand)
(True, True)
"""

from __future__ import annotations

import hashlib

import numpy as np

from qnas.elivagar.candidates import Candidate


def composite(repcap: float, cnr: float, weight: float = 0.25) -> float:
    """``repcap * cnr**weight`` (``weight``: Élivágar's noise importance, 0.25-0.5)."""
    return float(repcap) * max(float(cnr), 0.0) ** float(weight)


def candidate_seed(candidate, seed: int = 0) -> np.random.Generator:
    """A generator seeded by ``seed`` and the candidate's content (circuit or spec, layout)."""
    what = candidate.spec.to_text() if hasattr(candidate.spec, "to_text") else str(candidate.spec)
    digest = hashlib.sha256(f"{what}|{list(candidate.layout)}".encode()).digest()
    return np.random.default_rng([int(seed), int.from_bytes(digest[:8], "little")])


class PredictorFitness:
    """``candidate -> RepCap x CNR**noise_weight`` (higher is better); picklable.

    ``x``/``y``: the labelled RepCap sample; ``cnr_mode`` / ``cnr_method``: see
    :func:`qnas.elivagar.cnr.cnr`; ``circuits``: ``spec -> (circuit, index)`` for
    genomes (e.g. the pipeline's SubCircuit cache); ``measured``: RepCap's measured wires
    (None: full-state fidelity; see :mod:`qnas.elivagar.repcap`).
    """

    def __init__(self, target, x, y, *, replicas: int = 32, repcap_params: int = 32,
                 noise_weight: float = 0.25, cnr_mode: str = "gates", measured=None,
                 circuits=None, seed: int = 0, scale: float = 1.0, cnr_method: str = "auto"):
        self.target, self.x, self.y = target, x, y
        self.replicas, self.repcap_params = int(replicas), int(repcap_params)
        self.noise_weight, self.cnr_mode = float(noise_weight), cnr_mode
        self.measured = None if measured is None else tuple(measured)
        self.circuits, self.seed, self.scale = circuits, int(seed), float(scale)
        self.cnr_method = cnr_method
        self._known: dict = {}  # candidate key -> components, in this process only

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_known": {}}  # workers get the settings, not the scores

    def circuit(self, candidate):
        """The logical circuit of ``candidate`` (a Candidate or a genome)."""
        if isinstance(candidate, Candidate):
            return candidate.circuit
        if self.circuits is None:
            raise ValueError("scoring genomes needs circuits= (spec -> (circuit, index))")
        return self.circuits(candidate.spec)[0]

    def device_circuit(self, candidate):
        """The candidate on the device: a Candidate as it is (inputs' rotations lowered to
        rz/sx), anything else compiled with its layout."""
        from qnas.compile.lower import lower_symbolic
        from qnas.elivagar.cnr import physical_device_circuit
        from qnas.noisy import device_circuit

        circuit = self.circuit(candidate)
        if isinstance(candidate, Candidate):
            try:
                return physical_device_circuit(lower_symbolic(circuit, zsx=True), self.target,
                                               candidate.layout)
            except ValueError:  # gates outside the basis remain: let Qiskit translate them
                pass
        return device_circuit(circuit, self.target, candidate.layout)

    @staticmethod
    def _key(candidate) -> str:
        from qnas.search import candidate_key

        return candidate_key(candidate.spec, candidate.layout)

    def knows(self, candidate) -> bool:
        """Whether this process has scored ``candidate`` already (no new simulation)."""
        return self._key(candidate) in self._known

    def components(self, candidate) -> dict:
        """``{"cnr", "repcap", "score"}`` of ``candidate`` (remembered: the search record
        asks again for its best candidates)."""
        key = self._key(candidate)
        if key not in self._known:
            self._known[key] = self._components(candidate)
        return dict(self._known[key])

    def _components(self, candidate) -> dict:
        from qnas.elivagar.cnr import cnr
        from qnas.elivagar.repcap import repcap

        rng = candidate_seed(candidate, self.seed)
        c = cnr(self.device_circuit(candidate), self.replicas, rng, self.scale, self.cnr_mode,
                self.cnr_method)
        r = repcap(self.circuit(candidate), self.x, self.y, self.repcap_params, rng,
                   self.measured)
        return {"cnr": c, "repcap": r, "score": composite(r, c, self.noise_weight)}

    def __call__(self, candidate) -> float:
        return self.components(candidate)["score"]


__all__ = ["PredictorFitness", "candidate_seed", "composite"]
