"""The per-user cache of derived expressions equals a fresh derivation and is kept private."""

import stat

import pytest

from ghostsym.theory import _derivation_cache, canonical_form
from ghostsym.theory._task import _general_theory

# the cached derivations (functools.cache outside, the disk cache inside)
DERIVATIONS = [(canonical_form.__wrapped__, ()), (_general_theory.__wrapped__, (False,))]


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(_derivation_cache.DISABLE_VARIABLE, raising=False)
    monkeypatch.setattr(_derivation_cache, "_entries", None)
    return tmp_path / "ghostsym"


def _forget_memory(monkeypatch):
    monkeypatch.setattr(_derivation_cache, "_entries", None)


def test_cache_equals_a_fresh_derivation(private_cache, monkeypatch):
    private_cache.mkdir()
    earlier = private_cache / "derivations-0.0.1-0123456789abcdef0123.pickle"
    earlier.write_bytes(b"from an earlier source")
    stored = [derivation(*arguments) for derivation, arguments in DERIVATIONS]
    path = _derivation_cache.cache_file()
    assert path.parent == private_cache and path.exists()
    assert not earlier.exists()  # files of earlier sources are removed
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    _forget_memory(monkeypatch)  # the next calls read the file back
    loaded = [derivation(*arguments) for derivation, arguments in DERIVATIONS]
    fresh = [derivation.fresh(*arguments) for derivation, arguments in DERIVATIONS]
    for was, read, new in zip(stored, loaded, fresh, strict=True):
        assert read is not was  # unpickled, not the object kept in memory
        assert read == new
    # and the loaded expressions evaluate like the fresh ones
    assert float(loaded[0].passage_time(0.3, -1.0, 2.0)) == float(
        fresh[0].passage_time(0.3, -1.0, 2.0)
    )
    assert loaded[1].critical_learning_rate.latex() == fresh[1].critical_learning_rate.latex()


def test_opt_out_writes_nothing(private_cache, monkeypatch):
    monkeypatch.setenv(_derivation_cache.DISABLE_VARIABLE, "1")
    derivation, arguments = DERIVATIONS[0]
    assert derivation(*arguments) == derivation.fresh(*arguments)
    assert not private_cache.exists()


def test_a_file_others_can_write_is_never_loaded(private_cache, monkeypatch):
    derivation, arguments = DERIVATIONS[0]
    derivation(*arguments)
    path = _derivation_cache.cache_file()
    assert _derivation_cache._read(path)
    path.chmod(0o666)
    assert _derivation_cache._read(path) == {}
    path.write_bytes(b"not a pickle")
    path.chmod(0o600)
    assert _derivation_cache._read(path) == {}
    _forget_memory(monkeypatch)
    assert derivation(*arguments) == derivation.fresh(*arguments)  # re-derived, file rewritten
    assert _derivation_cache._read(path)
