"""Training-free, device-aware circuit search after Élivágar (Anagolum et al., ASPLOS 2024).

One concept per module: :mod:`.candidates` (placement on the coupling map, native gates),
:mod:`.cnr` (Clifford noise resilience), :mod:`.repcap` (representational capacity),
:mod:`.score` (``RepCap x CNR**w`` as a picklable fitness) and :mod:`.search` (ask/tell over a
seeded list of candidates, under the co-search's driver and store). ``qnas run --strategy
elivagar|hybrid`` wires them into the pipeline (:mod:`qnas.pipeline.stages.elivagar`).
"""

from qnas.elivagar.candidates import Candidate, device_candidate, sample_mapping
from qnas.elivagar.cnr import clifford_replica, cnr
from qnas.elivagar.repcap import repcap
from qnas.elivagar.score import PredictorFitness, composite
from qnas.elivagar.search import CandidateSearch

__all__ = ["Candidate", "CandidateSearch", "PredictorFitness", "clifford_replica", "cnr",
           "composite", "device_candidate", "repcap", "sample_mapping"]
