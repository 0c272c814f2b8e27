"""The predictor fitness is deterministic and picklable; the candidate search resumes."""

import pickle

import numpy as np
import pytest
import torch

from qnas.devices import Target
from qnas.elivagar import CandidateSearch, PredictorFitness, device_candidate
from qnas.search import SearchStore, run_search
from qnas.tasks.encoders import get_encoder


@pytest.fixture(scope="module")
def setup():
    t = Target.from_backend("santiago")
    enc = get_encoder("2x1_ryry").to_circuit(2)
    rng = np.random.default_rng(0)
    cands = [device_candidate(t, 2, 4, rng, encoder=enc) for _ in range(6)]
    x = torch.rand(8, 2, generator=torch.Generator().manual_seed(0)) * 3
    fit = PredictorFitness(t, x, torch.arange(8) % 2, replicas=3, repcap_params=4,
                           measured=(0, 1), cnr_mode="angles")
    return cands, fit


def test_score_depends_on_the_candidate_only(setup):
    cands, fit = setup
    first = [fit(c) for c in cands]
    again = pickle.loads(pickle.dumps(fit))
    assert [again(c) for c in reversed(cands)] == first[::-1]
    s = fit.components(cands[0])
    assert s["score"] == pytest.approx(s["repcap"] * s["cnr"] ** 0.25)
    # scores are remembered in this process, not shipped: a pickle is the settings alone
    assert fit.knows(cands[0])
    fresh = pickle.loads(pickle.dumps(fit))
    assert not fresh.knows(cands[0])
    assert fresh.components(cands[0]) == s


def test_candidate_search_resumes_after_a_crash(setup, tmp_path):
    cands, fit = setup
    full = CandidateSearch(cands, batch_size=2)
    run_search(full, fit, SearchStore(tmp_path / "a", fsync=False), progress=False)

    calls = []

    def crashing(c):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(c)
        return fit(c)

    with pytest.raises(KeyboardInterrupt):
        run_search(CandidateSearch(cands, batch_size=2), crashing,
                   SearchStore(tmp_path / "b", fsync=False), progress=False)
    resumed = CandidateSearch(cands, batch_size=2)
    res = run_search(resumed, fit, SearchStore(tmp_path / "b", fsync=False), progress=False)
    assert 0 < res.n_evaluated < 6  # the finished evaluations were not run again
    assert resumed.ranking() == full.ranking()
    assert resumed.seconds > 0
