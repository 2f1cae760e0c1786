"""The cache of latent spaces and of what is computed from them once: explicit, owned, shared by choice."""

from __future__ import annotations

from typing import Any

from latentnas.surrogate import LatentCache, LatentSurrogate


def test_memo_builds_each_key_once() -> None:
    cache = LatentCache()
    built: list[int] = []
    assert cache.memo("k", lambda: built.append(1) or 7) == 7
    assert cache.memo("k", lambda: built.append(2) or 8) == 7 and built == [1]


def test_one_cache_loads_a_checkpoint_once_and_encodes_a_pool_once(rows: Any, nb201_cache: LatentCache) -> None:
    surrogate, _, _ = rows
    space = surrogate.space
    assert nb201_cache.latent_space(space) is surrogate.latent
    pool = nb201_cache.pool(surrogate.latent)
    assert pool is surrogate.pool() and len(pool.archs) == len(pool.keys) == pool.z.shape[0] == 6466
    assert pool.index[pool.keys[10]] == 10
    other = LatentSurrogate(surrogate.latent, cache=nb201_cache)
    assert other.pool_features() is surrogate.pool_features()


def test_surrogates_with_caches_of_their_own_compute_the_same_features(rows: Any) -> None:
    surrogate, archs, _ = rows
    alone = LatentSurrogate(surrogate.latent)  # a cache of its own
    assert alone.cache is not surrogate.cache
    assert (alone.arch_features(archs) == surrogate.arch_features(archs)).all()
