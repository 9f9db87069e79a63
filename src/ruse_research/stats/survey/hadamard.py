"""Hadamard matrices for balanced repeated replication, exactly as R ``survey::hadamard``.

BRR (and Fay's variant) needs a Hadamard matrix with more rows than there are strata;
which one is used decides every replicate, so to give R's replicates (and R's variance
of non-linear estimators to the last digit) this follows R survey 4.1's ``hadamard(n)``
step by step: R's stored matrices of order 4, 16 (Sylvester), 28 and 36, doubled
(``rbind(cbind(H, H), cbind(H, 1 - H))``), or Paley's quadratic-residue construction
for a prime ``p = 3 (mod 4)`` (order ``p + 1``), whichever is smallest as R chooses.
Matrices are coded 0/1 (1 for +1), with a first row and column of ones, as R's.

Examples
--------
>>> hadamard(3)
array([[1, 1, 1, 1],
       [1, 0, 1, 0],
       [1, 1, 0, 0],
       [1, 0, 0, 1]])
>>> [hadamard(n).shape[0] for n in (4, 8, 12, 24, 100)]
[8, 12, 16, 28, 104]
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["hadamard", "paley"]

# R survey's hadamard.list[[3]] and [[4]] (orders 28 and 36), one row a hexadecimal number.
_H28 = (
    "fffffff 9c71c78 83cd378 83b2e66 9a0f8d6 952c5ae 8cd239e 58aa7f0 45b59d4 46cbcac "
    "561774a 4b64e9a 5959b26 2d1eae8 3666b34 2b3b51c 31d74b2 32f89ca 2ced646 ea545e4 "
    "f1632cc f09ce1c e54ad52 e6392b2 e8a792a dffe000 bf81f80 7f8007e"
)
_H36 = (
    "fffffffff 5c7dc8564 b8fb90ac8 71f721592 e3ee42b24 c7dc8564a 8fb90ac96 1f721592e "
    "3ee42b25c 7dc8564b8 fb90ac970 f721592e2 ee42b25c6 dc8564b8e b90ac971e 721592e3e "
    "e42b25c7c c8564b8fa 90ac971f6 21592e3ee 42b25c7dc 8564b8fb8 0ac971f72 1592e3ee4 "
    "2b25c7dc8 564b8fb90 ac971f720 592e3ee42 b25c7dc84 64b8fb90a c971f7214 92e3ee42a "
    "25c7dc856 4b8fb90ac 971f72158 2e3ee42b2"
)
_SIZES = (4, 16, 28, 36)
#: Primes p = 3 (mod 4) up to 7919: R's ``small.primes`` of ``paley``.
_PRIMES = tuple(
    p for p in range(3, 7920)
    if p % 4 == 3 and all(p % q for q in range(3, math.isqrt(p) + 1, 2))
)


def _doubled(h: np.ndarray) -> np.ndarray:
    return np.block([[h, h], [h, 1 - h]])


def _sylvester(order: int) -> np.ndarray:
    h = np.ones((1, 1), dtype=np.int64)
    while h.shape[0] < order:
        h = _doubled(h)
    return h


def _stored(k: int) -> np.ndarray:
    """R's ``hadamard.list[[k + 1]]``."""
    if k < 2:
        return _sylvester(_SIZES[k])
    order, rows = _SIZES[k], (_H28 if k == 2 else _H36).split()
    bits = [format(int(r, 16), f"0{order}b")[-order:] for r in rows]
    return np.array([[int(b) for b in row] for row in bits], dtype=np.int64)


def paley(n: int | None = None, nmax: int | None = None, prime: int | None = None):
    """R's ``paley(n, nmax, prime)``: a Paley-construction Hadamard matrix of order at
    least n + 1 (at most ``nmax``), or ``None`` when there is none that small.

    Examples
    --------
    >>> paley(prime=3).tolist()  # R: paley(prime = 3)
    [[1, 1, 1, 1], [1, 0, 0, 1], [1, 0, 1, 0], [1, 1, 0, 0]]
    """
    if prime is None:
        nmax = 2 * n if nmax is None else nmax
        nceil = nn = n + 4 - n % 4
        if n % 4 + 4 == n % 8:
            while nn % 8 == 0:
                nn //= 2
            if nn - 1 in _PRIMES:
                m = paley(prime=nn - 1)
                while nn < nceil:
                    m, nn = _doubled(m), nn * 2
                return m
        if n > _PRIMES[-1]:
            return None
        p = min(q for q in _PRIMES if q >= n)
        if p + 1 > nceil + 4 and nceil + 4 < nmax:
            return paley(nceil + 3)
        if p > nmax:
            return None
    else:
        p = prime
    m = np.add.outer(np.arange(p), np.arange(p)) % p
    residues = {0, 1} | {(i * i) % p for i in range(2, (p - 1) // 2 + 1)}
    m = np.where(np.isin(m, list(residues)), 0, 1)
    top = np.ones((1, p), dtype=np.int64)
    return np.hstack([np.ones((p + 1, 1), dtype=np.int64), np.vstack([top, m])])


def hadamard(n: int) -> np.ndarray:
    """R survey's ``hadamard(n)``: a 0/1 Hadamard matrix with more than ``n`` rows."""
    if n < 1:
        raise ValueError(f"hadamard needs n >= 1, got {n}")
    m = n - n % 4
    precooked = [k for k, size in enumerate(_SIZES) if m < size <= m + 4]
    if precooked:
        return _stored(precooked[0])
    if all(m < size for size in _SIZES):
        return _stored(0)
    scaled = [s * 2 ** max(0, math.ceil(math.log2((n + 1) / s))) for s in _SIZES]
    best = int(np.argmin([s - n for s in scaled]))
    h = paley(n, scaled[best]) if scaled[best] - n > 4 else None
    if h is None:
        h = _stored(best)
        for _ in range(math.ceil(math.log2(scaled[best] / _SIZES[best]))):
            h = _doubled(h)
    return h
