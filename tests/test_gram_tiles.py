"""The outer-product register tile (:mod:`fastnorm._simd`) and the Gram builds on it: the
working set's Gram block (``gram_block``) and the Gram pass (``_gram_aug_rows``), against
numpy; serial and parallel builds give the same bits."""

from __future__ import annotations

import numpy as np
import pytest

from fastnorm._config import SIMD_WIDTH, TILE_MR
from fastnorm._kernels import gram as _kg
from fastnorm._simd import _make_outer_py

_ALL_ROWS = np.empty((0, 2), dtype=np.int64)  # gram_block over every row


def test_outer_tile_matches_numpy_and_its_twin():
    """Rows ``r0 .. r0 + m`` (an odd count, not from 0), weights on the broadcast side, added
    to what ``A`` held: the compiled intrinsic (through a kernel) and the numpy twin."""
    rng = np.random.default_rng(0)
    nr = 2 * SIMD_WIDTH
    P = rng.standard_normal((45, 3 * nr))
    Q = P * rng.uniform(0.5, 2.0, 45)[:, None]
    A0 = rng.standard_normal((2 * TILE_MR, 3 * nr))
    r0, m, i0, k0 = 3, 37, TILE_MR, nr
    ref = A0.copy()
    ref[i0 : i0 + TILE_MR, k0 : k0 + nr] += (
        Q[r0 : r0 + m, i0 : i0 + TILE_MR].T @ P[r0 : r0 + m, k0 : k0 + nr]
    )
    A = A0.copy()
    _make_outer_py(2)(Q, P, r0, m, i0, k0, A)
    np.testing.assert_allclose(A, ref, rtol=1e-13, atol=1e-13)
    # through a Gram block kernel: ma, mc not multiples of the tile, n not of the chunk
    n, p = 1003, 23
    X = rng.standard_normal((n, p)) + 2.0
    S = np.ascontiguousarray(X.T)
    rc = np.array([4, 7, 1, 20, 9, 0, 13, -1, -1], dtype=np.int64)
    cols = np.column_stack([X[:, j] if j >= 0 else X[:, 2] for j in rc])
    out = np.empty((5, rc.shape[0]))
    _kg.gram_block.serial(S, rc, 5, np.zeros(p), np.empty(0), X[:, 2].copy(), 3, 64, _ALL_ROWS, out)
    np.testing.assert_allclose(out, cols[:, :5].T @ cols, rtol=1e-12, atol=1e-10)
    assert np.array_equal(out[:, :5], out[:, :5].T)


@pytest.mark.parametrize("layout", ["C", "F"])
def test_gram_block_kernel(layout):
    """``gram_block`` with centring, weights and the target column; the new columns' square
    is exactly symmetric; serial and parallel builds give the same bits."""
    rng = np.random.default_rng(3)
    n, p = 1500, 40
    X = np.asarray(rng.standard_normal((n, p)) + 3.0, order=layout)
    S = X.T if layout == "F" else np.ascontiguousarray(X.T)
    off = X.mean(axis=0)
    q = np.sqrt(rng.uniform(0.5, 2.0, n))
    yq = rng.standard_normal(n)
    new = [5, 2, 9, 30, 0, 11, 17, 39, 21, 8, 3, 33]
    rc = np.array([*new, 1, 4, 6, 7, -1, -1, -1, -1], dtype=np.int64)
    B = (X - off) * q[:, None]
    cols = np.column_stack([B[:, j] if j >= 0 else yq for j in rc])
    ref = cols[:, : len(new)].T @ cols
    out = np.empty((len(new), rc.shape[0]))
    _kg.gram_block.serial(S, rc, len(new), off, q, yq, 3, 128, _ALL_ROWS, out)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-9)
    assert np.array_equal(out[:, : len(new)], out[:, : len(new)].T)
    out2 = np.empty_like(out)
    _kg.gram_block.parallel(S, rc, len(new), off, q, yq, 3, 128, _ALL_ROWS, out2)
    np.testing.assert_array_equal(out, out2)
    # the sums over row segments only (a seeded set's block leaves the subsample out)
    segs = np.array([[0, 100], [230, 231], [400, 1390]], dtype=np.int64)
    keep = np.concatenate([np.arange(a, b) for a, b in segs])
    _kg.gram_block.serial(S, rc, len(new), off, q, yq, 3, 128, segs, out)
    np.testing.assert_allclose(out, cols[keep, : len(new)].T @ cols[keep], rtol=1e-12, atol=1e-9)
    _kg.gram_block.parallel(S, rc, len(new), off, q, yq, 3, 128, segs, out2)
    np.testing.assert_array_equal(out, out2)


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gram_pass_tiles(layout, weighted):
    """The Gram pass over two targets (the target x target block: its diagonal only) against
    numpy, with a width that is not a multiple of the tile; serial == parallel bits."""
    rng = np.random.default_rng(5)
    n, p, ky = 777, 29, 2
    X = np.asarray(rng.standard_normal((n, p)) + 1.0, order=layout)
    Y = rng.standard_normal((n, ky))
    sw = rng.uniform(0.5, 2.0, n)
    shift = np.median(X[:65], axis=0)
    ysh = np.median(Y[:65], axis=0)
    pp = (p + ky + 1 + 3) // 4 * 4
    B = np.column_stack([X - shift, Y - ysh, np.ones(n), np.zeros((n, pp - p - ky - 1))])
    w = sw if weighted else np.ones(n)
    ref = np.triu((B * w[:, None]).T @ B)
    ref[p, p + 1] = 0.0  # off the targets' diagonal: not computed
    out = np.zeros((pp, pp))
    args = (X, Y, sw if weighted else Y[:, 0], weighted, layout == "F", shift, ysh, 3, 64)
    _kg._gram_aug_rows.serial(*args, out)
    np.testing.assert_allclose(np.triu(out), ref, rtol=1e-12, atol=1e-9)
    out2 = np.zeros((pp, pp))
    _kg._gram_aug_rows.parallel(*args, out2)
    np.testing.assert_array_equal(np.triu(out), np.triu(out2))


@pytest.mark.parametrize("layout", ["C", "F"])
def test_gram_pass_packed(layout):
    """The packed pass (``GRAM_PACK_P`` columns on): two targets, weights, rows not a multiple
    of the panel, float32 X; both triangles filled; the same bits for any task count, serial
    or parallel; and ``gram_stats`` through it against numpy's centred sums."""
    from fastnorm._config import GRAM_PACK_P
    from fastnorm.linear_model._gram import gram_stats, gram_stats_many

    rng = np.random.default_rng(7)
    n, p, ky = 600, GRAM_PACK_P + 5, 2
    X = np.asarray(rng.standard_normal((n, p)) + 2.0, order=layout, dtype=np.float32)
    Y = rng.standard_normal((n, ky))
    sw = rng.uniform(0.5, 2.0, n)
    shift = np.median(X[:65], axis=0).astype(np.float64)
    ysh = np.median(Y[:65], axis=0)
    B = np.column_stack([X - shift, Y - ysh, np.ones(n)])
    ref = (B * sw[:, None]).T @ B
    ref[p, p + 1] = ref[p + 1, p] = 0.0  # off the targets' diagonal: not computed
    outs = []
    for build, tasks in [(_kg._gram_aug_rows.serial, 1), (_kg._gram_aug_rows.serial, 5),
                         (_kg._gram_aug_rows.parallel, 3)]:  # fmt: skip
        out = np.zeros((p + ky + 1, p + ky + 1))
        build(X, Y, sw, True, layout == "F", shift, ysh, tasks, 64, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], ref, rtol=1e-12, atol=1e-8)
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])
    st = gram_stats(X, Y[:, 0])
    Xm = X - X.astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(st.G, Xm.T @ Xm, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(st.Xty, Xm.T @ (Y[:, 0] - Y[:, 0].mean()), rtol=1e-10, atol=1e-8)
    many = gram_stats_many(X, Y)  # each target's statistics: its single pass's bits
    for t in range(ky):
        one = gram_stats(X, Y[:, t])
        np.testing.assert_array_equal(many[t].G, one.G)
        np.testing.assert_array_equal(many[t].Xty, one.Xty)
        assert many[t].yty == one.yty
