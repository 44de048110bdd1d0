"""Working-set coordinate descent kernels (the ``"workset"`` solver of Lasso/ElasticNet).

numba code only; the driver is :mod:`fastnorm.linear_model._workset`.

Scale and conventions
---------------------
Everything is in the unnormalised scale of scikit-learn's ``_cd_fast``: ``l1n = l1 * n`` and
``l2n = l2 * n``.  With ``q = sqrt(sw)`` (empty: unit weights), the working set's columns are
gathered into rows of a contiguous float64 block kept across outer steps (only the columns
no earlier step gathered are read), ``B[rows[k]] = q * (X[:, ws[k]] - xoff[ws[k]])``
(weighted and centred through the column means, so X itself is never centred nor copied),
and the inner solver keeps the weighted residual ``R = yq - sum_k w[k] B[rows[k]]`` with
``yq = q * (y - y_off)``.  Every coefficient outside the working set is zero, so ``R`` is
also the residual of the full problem.

The penalty math (coordinate update, value, dual norm, duality gap) comes from
:mod:`fastnorm._kernels.penalty`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastnorm._config import WS_DUAL_MAX_COEF, helper, kernel
from fastnorm._kernels.penalty import (
    cd_solve,
    enet_dual_norm,
    enet_gap,
    enet_value,
    uses_helpers,
)

__all__ = ["gather_ws", "inner_cd", "residual_ws", "ws_scores", "xtv_cols", "xtv_rows"]
__all__ += ["colstats_xtv_cols", "residual_src"]  # the Gram inner solver's


@kernel
def xtv_rows(X, V, rpb, out):
    """``out[t] = X.T @ V[t]`` (float64 accumulation) for C-ordered ``X`` (n, p) and ``k``
    vectors ``V`` (k, n): the outer step's gradients from the residual the inner solver kept
    and its extrapolated dual point, in one read of X (no ``X @ w``: half the work of a data
    epoch).  Fixed row blocks with private partials combined in block order: the result does
    not depend on the thread count."""
    n, p = X.shape
    nv = V.shape[0]
    nblk = (n + rpb - 1) // rpb
    part = np.zeros((nblk, nv, p), dtype=np.float64)
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        for i in range(lo, hi):
            xi = X[i]
            for t in range(nv):
                c = V[t, i]
                if c != 0.0:
                    g = part[blk, t]
                    for j in range(p):
                        g[j] += c * np.float64(xi[j])
    for t in range(nv):
        for j in range(p):
            out[t, j] = 0.0
    for blk in range(nblk):
        for t in range(nv):
            for j in range(p):
                out[t, j] += part[blk, t, j]


@kernel
def xtv_cols(XT, V, out):
    """``out[t] = X.T @ V[t]`` for F-ordered X seen as ``XT = X.T`` (p, n): one dot per
    column and vector."""
    p, n = XT.shape
    nv = V.shape[0]
    for j in prange(p):
        xj = XT[j]
        for t in range(nv):
            v = V[t]
            s = 0.0
            for i in range(n):
                s += np.float64(xj[i]) * v[i]
            out[t, j] = s


@kernel
def gather_ws(Xk, by_cols, ws, xoff, q, B, L, rows):
    """``B[rows[k], i] = q[i] * (X[i, ws[k]] - xoff[ws[k]])`` and ``L[rows[k]] =
    ||B[rows[k]]||^2`` (the coordinate's Lipschitz constant, from the gathered column: no
    cancellation).  ``rows``: where in the kept block each column goes (the driver gathers
    only the columns a previous outer step has not).

    ``Xk`` is C-contiguous: ``X`` itself (``by_cols=False``, rows) or ``X.T``
    (``by_cols=True``, an F-ordered X seen as its columns).  ``q`` empty: unit weights.
    """
    m = ws.shape[0]
    n = B.shape[1]
    has_q = q.shape[0] == n
    if by_cols:
        for k in range(m):
            col = Xk[ws[k]]
            c = xoff[ws[k]]
            b = B[rows[k]]
            for i in range(n):
                b[i] = np.float64(col[i]) - c
    else:
        # blocked transpose, 8 rows at a time: each B row gets a whole cache line per write
        # burst (row-by-row scattering was 1.3-1.5x slower, 500 x 600 and 10000 x 100)
        i = 0
        while i + 8 <= n:
            r0 = Xk[i]
            r1 = Xk[i + 1]
            r2 = Xk[i + 2]
            r3 = Xk[i + 3]
            r4 = Xk[i + 4]
            r5 = Xk[i + 5]
            r6 = Xk[i + 6]
            r7 = Xk[i + 7]
            for k in range(m):
                j = ws[k]
                c = xoff[j]
                b = B[rows[k]]
                b[i] = np.float64(r0[j]) - c
                b[i + 1] = np.float64(r1[j]) - c
                b[i + 2] = np.float64(r2[j]) - c
                b[i + 3] = np.float64(r3[j]) - c
                b[i + 4] = np.float64(r4[j]) - c
                b[i + 5] = np.float64(r5[j]) - c
                b[i + 6] = np.float64(r6[j]) - c
                b[i + 7] = np.float64(r7[j]) - c
            i += 8
        for ii in range(i, n):
            row = Xk[ii]
            for k in range(m):
                B[rows[k], ii] = np.float64(row[ws[k]]) - xoff[ws[k]]
    for k in range(m):
        b = B[rows[k]]
        if has_q:
            for i in range(n):
                b[i] *= q[i]
        s = 0.0
        for i in range(n):
            s += b[i] * b[i]
        L[rows[k]] = s


@kernel
def residual_ws(B, rows, w, yq, R):
    """``R = yq - sum_k w[k] B[rows[k]]`` over the non-zero ``w`` only (serial: no BLAS
    thread pool, whose threads spun on a loaded machine)."""
    n = R.shape[0]
    for i in range(n):
        R[i] = yq[i]
    for k in range(w.shape[0]):
        wk = w[k]
        if wk != 0.0:
            b = B[rows[k]]
            for i in range(n):
                R[i] -= wk * b[i]


@kernel(fastmath=False)
@uses_helpers
def ws_scores(XtR, w, L, l1n, l2n, positive, gap_n, screened, scores):
    """Working-set priorities and gap-safe screening; returns the dual norm.

    ``XtR = X_c.T @ W R`` (unnormalised), ``L`` the squared (weighted, centred) column norms,
    ``gap_n`` the duality gap in the same scale.  The elastic net is a Lasso on
    ``[X; sqrt(l2n) I]``, whose column norms are ``sqrt(L + l2n)`` and whose dual point is the
    residual scaled by ``l1n / dnorm`` (``dnorm = enet_dual_norm(XtR - l2n w)``): a feature
    with ``|v_j| / dnorm + sqrt(L_j + l2n) * sqrt(2 gap) / l1n < 1`` is zero at the optimum
    (gap-safe sphere test; ``v_j`` itself when ``positive``), and stays screened
    (``screened[j] = True``).  Scores: ``+inf`` for the support, ``-inf`` for screened
    features, else ``-(1 - |v_j| / dnorm) / sqrt(L_j + l2n)``: minus the distance of the dual
    point to feature ``j``'s constraint (celer's priority), the larger the more violating.
    """
    p = XtR.shape[0]
    v = np.empty(p)
    for j in range(p):
        v[j] = XtR[j] - l2n * w[j]
    dnorm = enet_dual_norm(v, l1n, positive)
    radius = math.sqrt(max(2.0 * gap_n, 0.0)) / l1n
    for j in range(p):
        if w[j] != 0.0:
            scores[j] = math.inf
            continue
        if screened[j]:
            scores[j] = -math.inf
            continue
        a = v[j] if positive else abs(v[j])
        nrm = math.sqrt(L[j] + l2n)
        if nrm == 0.0 or a / dnorm + nrm * radius < 1.0:
            screened[j] = True
            scores[j] = -math.inf
        else:
            scores[j] = -(1.0 - a / dnorm) / nrm
    return dnorm


@helper(inline="never")
def _solve_small(C, z):
    """Solve ``C x = z`` in place (``z`` becomes ``x``) by Gaussian elimination with partial
    pivoting; False when ``C`` is numerically singular (C is overwritten)."""
    m = C.shape[0]
    for c in range(m):
        piv = c
        big = abs(C[c, c])
        for r in range(c + 1, m):
            if abs(C[r, c]) > big:
                big = abs(C[r, c])
                piv = r
        if not big > 1e-300:
            return False
        if piv != c:
            for k in range(m):
                C[c, k], C[piv, k] = C[piv, k], C[c, k]
            z[c], z[piv] = z[piv], z[c]
        for r in range(c + 1, m):
            f = C[r, c] / C[c, c]
            if f != 0.0:
                for k in range(c, m):
                    C[r, k] -= f * C[c, k]
                z[r] -= f * z[c]
    for c in range(m - 1, -1, -1):
        s = z[c]
        for k in range(c + 1, m):
            s -= C[c, k] * z[k]
        z[c] = s / C[c, c]
    return True


@helper
def _ws_gap(B, rows, w, R, yq, l1n, l2n, positive, active, tmp):
    """Duality gap of the problem restricted to the working set's active (unscreened)
    features, and its dual norm (unnormalised); ``tmp[k]`` receives ``b_k . R - l2n w_k``."""
    m = rows.shape[0]
    n = B.shape[1]
    for k in range(m):
        if not active[k]:
            tmp[k] = 0.0
            continue
        b = B[rows[k]]
        s = 0.0
        for i in range(n):
            s += b[i] * R[i]
        tmp[k] = s - l2n * w[k]
    dn = enet_dual_norm(tmp, l1n, positive)
    r2 = 0.0
    ry = 0.0
    for i in range(n):
        r2 += R[i] * R[i]
        ry += R[i] * yq[i]
    w1 = 0.0
    w2 = 0.0
    for k in range(m):
        w1 += abs(w[k])
        w2 += w[k] * w[k]
    return enet_gap(r2, ry, w1, w2, l1n, l2n, dn), dn


@helper
def _dual_extrap(RH, WH, count, K, l2n, active, U, UW, C, z, r_a, w_a):
    """celer's dual extrapolation: from the last ``K + 1`` residuals kept in the ring ``RH``
    (``count`` of them pushed so far; for the elastic net also the coefficients in ``WH``),
    ``r_a = sum_a c_a RH[a]`` with the affine weights minimising ``||sum_a c_a (RH[a+1] -
    RH[a])||`` (of the augmented residual ``(R, -sqrt(l2n) w)`` when ``l2n > 0``); ``w_a``
    the same combination of the coefficients (zero off ``active``).  False when the system
    is singular or the weights are so large that cancellation would eat the digits."""
    K1 = K + 1
    n = RH.shape[1]
    m = w_a.shape[0]
    for a in range(K):
        o0 = (count + a) % K1
        o1 = (count + a + 1) % K1
        for i in range(n):
            U[a, i] = RH[o1, i] - RH[o0, i]
        if l2n > 0.0:
            for k in range(m):
                UW[a, k] = WH[o1, k] - WH[o0, k]
    for a in range(K):
        for c in range(a, K):
            s = 0.0
            for i in range(n):
                s += U[a, i] * U[c, i]
            if l2n > 0.0:
                t = 0.0
                for k in range(m):
                    t += UW[a, k] * UW[c, k]
                s += l2n * t
            C[a, c] = s
            C[c, a] = s
    for a in range(K):
        z[a] = 1.0
    if not _solve_small(C, z):
        return False
    zs = 0.0
    for a in range(K):
        zs += z[a]
    if not (zs == zs and zs != 0.0):
        return False
    tot = 0.0
    for a in range(K):
        z[a] /= zs
        tot += abs(z[a])
    if not tot <= WS_DUAL_MAX_COEF:
        return False
    for i in range(n):
        r_a[i] = 0.0
    for k in range(m):
        w_a[k] = 0.0
    for a in range(K):
        o = (count + a + 1) % K1
        c = z[a]
        for i in range(n):
            r_a[i] += c * RH[o, i]
        if l2n > 0.0:
            for k in range(m):
                if active[k]:
                    w_a[k] += c * WH[o, k]
    return True


@helper
def _nnz(w):
    c = 0
    for k in range(w.shape[0]):
        if w[k] != 0.0:
            c += 1
    return c


@kernel
@uses_helpers
def inner_cd(B, rows, L, w, R, yq, l1n, l2n, positive, max_epochs, tol, n_anderson, check,
             K_dual, theta, w_theta, out, lazy, max_nnz_hold):  # fmt: skip
    """Cyclic coordinate descent with Anderson acceleration on the working set, in place on
    ``w`` (m,) and the weighted residual ``R`` (n,); coordinate ``k``'s column is
    ``B[rows[k]]``, its squared norm ``L[rows[k]]``.

    Every ``n_anderson + 1`` epochs the last iterates are extrapolated (skglm's
    ``AndersonCD``: the affine combination minimising the norm of the combined differences),
    and the extrapolated point is kept when its objective is lower.  Every ``check`` epochs
    the restricted duality gap is computed; stop once it is ``<= tol``, else drop the
    features the gap-safe sphere test (the rule of :func:`ws_scores`) proves zero at the
    restricted optimum: they leave the epochs, the gap and the extrapolation (on
    large supports a final working set is about half zeros: the later epochs cost half as
    much, as scikit-learn's screening makes its own).

    Dual extrapolation (celer's, ``K_dual > 0``): the residuals of the last ``K_dual + 1``
    checks give an extrapolated residual (:func:`_dual_extrap`), rescaled into the dual
    feasible set; the gap is taken at the better of it and the rescaled residual (the
    residual's dual point lags the primal iterates: on 100 x 10000 the gap stayed 1e5 times
    the suboptimality).  When the extrapolated point wins the last check it is left in
    ``theta`` (n,) and its coefficients in ``w_theta`` (m,), for the outer step's gap, and
    ``out[2] = 1``.

    ``lazy > 0``: glmnet's active-set sweeps.  Coordinates at zero are visited only in
    full epochs: every ``lazy``-th epoch, the epoch before each gap check (so the check
    follows a full sweep) and any epoch after one that moved a coordinate off zero (the
    support is still growing).  The other epochs cost the support's columns only (a 600 x
    500 working set with 377 non-zeros: 30% less time, the same number of epochs).

    An extrapolation whose objective is not lower is retried with the coordinates it would
    move off zero or across it held at their current values (its residual corrected by one
    axpy each), while at most ``max_nnz_hold`` coefficients are non-zero: on supports near
    n (nearly interpolating fits, 100 x 10000) the held coordinates stalled the epochs.

    ``out[0]`` receives the last restricted gap (-1 if none was computed), ``out[1]`` the
    number of accepted Anderson extrapolations.  Returns the number of epochs run.
    """
    m = rows.shape[0]
    n = B.shape[1]
    K = n_anderson
    tmp = np.empty(m)
    last = np.zeros((K + 1, m))
    last_R = np.empty((K + 1, n))
    n_hist = 0  # iterates kept since the extrapolation window (re)started
    U = np.empty((K, m))
    C = np.empty((K, K))
    z = np.empty(K)
    w_acc = np.empty(m)
    R_acc = np.empty(n)
    active = np.ones(m, dtype=np.bool_)
    Kd = max(K_dual, 1)
    RH = np.empty((Kd + 1, n))
    WH = np.empty((Kd + 1, m if l2n > 0.0 else 0))
    Ud = np.empty((Kd, n))
    UWd = np.empty((Kd, m if l2n > 0.0 else 0))
    Cd = np.empty((Kd, Kd))
    zd = np.empty(Kd)
    r_a = np.empty(n)
    w_a = np.empty(m)
    tmp_a = np.empty(m)
    out[0] = -1.0
    out[1] = 0.0
    out[2] = 0.0
    n_acc = 0
    epoch = 0
    grew = True
    while epoch < max_epochs:
        # a coordinate's residual update is deferred into the next coordinate's dot product:
        # one pass over R per coordinate instead of two (1.25-1.35x faster epochs, n = 500
        # to 1000, bench/README.md)
        pend = -1
        d = 0.0
        # zeros are skipped while the support settles (see lazy above); the result is the
        # same optimum, the gap check decides
        full = lazy <= 0 or grew or epoch % lazy == 0 or (epoch + 1) % check == 0
        grew = False
        for k in range(m):
            Lk = L[rows[k]]
            if Lk == 0.0 or not active[k]:
                continue
            wk = w[k]
            if wk == 0.0 and not full:
                continue
            b = B[rows[k]]
            s = 0.0
            if pend >= 0:
                bp = B[pend]
                for i in range(n):
                    r = R[i] - d * bp[i]
                    R[i] = r
                    s += b[i] * r
                pend = -1
            else:
                for i in range(n):
                    s += b[i] * R[i]
            new = cd_solve(s + Lk * wk, Lk, l1n, l2n, positive)
            if new != wk:
                d = new - wk
                pend = rows[k]
                w[k] = new
                if wk == 0.0:
                    grew = True
        if pend >= 0:
            bp = B[pend]
            for i in range(n):
                R[i] -= d * bp[i]
        epoch += 1
        if K_dual > 0:
            # the residuals of consecutive plain epochs (before Anderson's jump): their
            # differences follow the linear recursion the extrapolation assumes
            slot = (epoch - 1) % (K_dual + 1)
            RH[slot] = R
            if l2n > 0.0:
                WH[slot] = w
        if K > 0:
            slot = n_hist % (K + 1)
            n_hist += 1
            last[slot] = w
            last_R[slot] = R
            if slot == K:
                for a in range(K):
                    for k in range(m):
                        U[a, k] = last[a + 1, k] - last[a, k]
                for a in range(K):
                    for c in range(a, K):
                        s = 0.0
                        for k in range(m):
                            s += U[a, k] * U[c, k]
                        C[a, c] = s
                        C[c, a] = s
                for a in range(K):
                    z[a] = 1.0
                if _solve_small(C, z):
                    zs = 0.0
                    for a in range(K):
                        zs += z[a]
                    ok = zs != 0.0 and zs == zs
                    if ok:
                        for k in range(m):
                            s = 0.0
                            for a in range(K):
                                s += z[a] * last[a + 1, k]
                            w_acc[k] = s / zs if active[k] else 0.0
                            if positive and w_acc[k] < 0.0:
                                ok = False
                    if ok:
                        # R is affine in w: the same affine combination of the kept
                        # residuals is the extrapolated residual (K n flops, where
                        # R - B^T (w_acc - w) cost a sweep of axpys: ~15% of the epochs)
                        for i in range(n):
                            s = 0.0
                            for a in range(K):
                                s += z[a] * last_R[a + 1, i]
                            R_acc[i] = s / zs
                        f_cur = 0.0
                        f_acc = 0.0
                        for i in range(n):
                            f_cur += R[i] * R[i]
                            f_acc += R_acc[i] * R_acc[i]
                        f_cur = 0.5 * f_cur + enet_value(w, l1n, l2n)
                        f_acc = 0.5 * f_acc + enet_value(w_acc, l1n, l2n)
                        if not f_acc < f_cur and _nnz(w) <= max_nnz_hold:
                            # extrapolations that move coordinates off zero or across it
                            # fail while the support still shifts: keep those coordinates
                            # where they are and try the rest of the step (a 600-column set
                            # with 377 non-zeros: 60 -> 36 epochs)
                            for k in range(m):
                                wa = w_acc[k]
                                wk = w[k]
                                if wa != 0.0 and (wk == 0.0 or (wa > 0.0) != (wk > 0.0)):
                                    d = wk - wa
                                    w_acc[k] = wk
                                    b = B[rows[k]]
                                    for i in range(n):
                                        R_acc[i] -= d * b[i]
                            f_acc = 0.0
                            for i in range(n):
                                f_acc += R_acc[i] * R_acc[i]
                            f_acc = 0.5 * f_acc + enet_value(w_acc, l1n, l2n)
                        if f_acc < f_cur:
                            for k in range(m):
                                w[k] = w_acc[k]
                            for i in range(n):
                                R[i] = R_acc[i]
                            n_acc += 1
        if epoch % check == 0 or epoch == max_epochs:
            g, dn = _ws_gap(B, rows, w, R, yq, l1n, l2n, positive, active, tmp)
            out[2] = 0.0
            if K_dual > 0 and epoch > K_dual and _dual_extrap(RH, WH, epoch, K_dual, l2n,
                                                              active, Ud, UWd, Cd, zd, r_a,
                                                              w_a):  # fmt: skip
                for k in range(m):
                    if not active[k]:
                        tmp_a[k] = 0.0
                        continue
                    b = B[rows[k]]
                    s = 0.0
                    for i in range(n):
                        s += b[i] * r_a[i]
                    tmp_a[k] = s - l2n * w_a[k]
                dn_a = enet_dual_norm(tmp_a, l1n, positive)
                r2 = 0.0
                r2a = 0.0
                rya = 0.0
                for i in range(n):
                    r2 += R[i] * R[i]
                    r2a += r_a[i] * r_a[i]
                    rya += r_a[i] * yq[i]
                w1 = 0.0
                wsq = 0.0
                wsqa = 0.0
                for k in range(m):
                    w1 += abs(w[k])
                    wsq += w[k] * w[k]
                    wsqa += w_a[k] * w_a[k]
                # the penalty's gap is primal(r_a, w_a) - dual(theta_a): add the primal's
                # difference for primal(w) - dual(theta_a)
                g_a = enet_gap(r2a, rya, w1, wsqa, l1n, l2n, dn_a)
                g_a += 0.5 * (r2 - r2a) + 0.5 * l2n * (wsq - wsqa)
                if g_a < g:
                    g = max(g_a, 0.0)
                    dn = dn_a
                    for k in range(m):
                        tmp[k] = tmp_a[k]
                        w_theta[k] = w_a[k]
                    for i in range(n):
                        theta[i] = r_a[i]
                    out[2] = 1.0
            out[0] = g
            if g <= tol:
                break
            radius = math.sqrt(max(2.0 * g, 0.0)) / l1n
            for k in range(m):
                if not active[k]:
                    continue
                a = tmp[k] if positive else abs(tmp[k])
                nrm = math.sqrt(L[rows[k]] + l2n)
                if nrm == 0.0 or a / dn + nrm * radius < 1.0:
                    active[k] = False
                    wk = w[k]
                    if wk != 0.0:
                        b = B[rows[k]]
                        for i in range(n):
                            R[i] += wk * b[i]
                        w[k] = 0.0
                        n_hist = 0  # the kept residuals hold the dropped coordinate
    out[1] = n_acc
    return epoch


@kernel
def residual_src(S, cols, w, off, q, yq, R):
    """``R = yq - q * sum_k w[k] (S[cols[k]] - off[cols[k]])`` over the non-zero ``w``: the
    weighted residual from ``S`` (columns as rows: ``X.T`` read in place, or the gathered
    block with ``off`` zeros and ``q`` empty).  Four columns per sweep of ``R`` (one column
    per sweep read and wrote ``R`` once per column: 40 columns of 200,000 rows took 1.4x
    the time); each entry still adds its terms one at a time in the order of ``cols``."""
    n = R.shape[0]
    has_q = q.shape[0] == n
    for i in range(n):
        R[i] = 0.0
    nz = np.flatnonzero(w != 0.0)
    nk = nz.shape[0]
    k = 0
    while k + 4 <= nk:
        c0 = cols[nz[k]]
        c1 = cols[nz[k + 1]]
        c2 = cols[nz[k + 2]]
        c3 = cols[nz[k + 3]]
        s0 = S[c0]
        s1 = S[c1]
        s2 = S[c2]
        s3 = S[c3]
        w0 = w[nz[k]]
        w1 = w[nz[k + 1]]
        w2 = w[nz[k + 2]]
        w3 = w[nz[k + 3]]
        o0 = off[c0]
        o1 = off[c1]
        o2 = off[c2]
        o3 = off[c3]
        for i in range(n):
            R[i] = (
                R[i]
                + w0 * (np.float64(s0[i]) - o0)
                + w1 * (np.float64(s1[i]) - o1)
                + w2 * (np.float64(s2[i]) - o2)
                + w3 * (np.float64(s3[i]) - o3)
            )
        k += 4
    while k < nk:
        wk = w[nz[k]]
        src = S[cols[nz[k]]]
        o = off[cols[nz[k]]]
        for i in range(n):
            R[i] += wk * (np.float64(src[i]) - o)
        k += 1
    if has_q:
        for i in range(n):
            R[i] = yq[i] - q[i] * R[i]
    else:
        for i in range(n):
            R[i] = yq[i] - R[i]


@kernel
def colstats_xtv_cols(XT, sw, v, sum_out, sq_out, xtv_out):
    """The column moments of ``colstats_cols`` (:mod:`fastnorm._kernels.epoch`) and
    ``X.T @ v`` in the same read of each column (``XT = X.T``, F-ordered X): the tall solver's
    preparation and first outer step in one pass instead of two.  Without weights, eight
    columns per task share each read of ``v`` (one column per task read ``v`` once per
    column: 1.5x the time on 200,000 x 200); each column's sums run in the order of its rows
    whatever the task."""
    p, n = XT.shape
    has_sw = sw.shape[0] == n
    n_eight = 0 if has_sw else p // 8
    for g in prange(n_eight):
        j = 8 * g
        x0 = XT[j]
        x1 = XT[j + 1]
        x2 = XT[j + 2]
        x3 = XT[j + 3]
        x4 = XT[j + 4]
        x5 = XT[j + 5]
        x6 = XT[j + 6]
        x7 = XT[j + 7]
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        q0 = q1 = q2 = q3 = q4 = q5 = q6 = q7 = 0.0
        d0 = d1 = d2 = d3 = d4 = d5 = d6 = d7 = 0.0
        for i in range(n):
            vi = v[i]
            e0 = np.float64(x0[i])
            e1 = np.float64(x1[i])
            e2 = np.float64(x2[i])
            e3 = np.float64(x3[i])
            e4 = np.float64(x4[i])
            e5 = np.float64(x5[i])
            e6 = np.float64(x6[i])
            e7 = np.float64(x7[i])
            a0 += e0
            a1 += e1
            a2 += e2
            a3 += e3
            a4 += e4
            a5 += e5
            a6 += e6
            a7 += e7
            q0 += e0 * e0
            q1 += e1 * e1
            q2 += e2 * e2
            q3 += e3 * e3
            q4 += e4 * e4
            q5 += e5 * e5
            q6 += e6 * e6
            q7 += e7 * e7
            d0 += e0 * vi
            d1 += e1 * vi
            d2 += e2 * vi
            d3 += e3 * vi
            d4 += e4 * vi
            d5 += e5 * vi
            d6 += e6 * vi
            d7 += e7 * vi
        for t, (a, q, d) in enumerate(
            ((a0, q0, d0), (a1, q1, d1), (a2, q2, d2), (a3, q3, d3),
             (a4, q4, d4), (a5, q5, d5), (a6, q6, d6), (a7, q7, d7))
        ):  # fmt: skip
            sum_out[j + t] = a
            sq_out[j + t] = q
            xtv_out[j + t] = d
    for j in prange(8 * n_eight, p):
        xj = XT[j]
        a = 0.0
        q = 0.0
        d = 0.0
        if has_sw:
            for i in range(n):
                x = np.float64(xj[i])
                a += sw[i] * x
                q += sw[i] * x * x
                d += x * v[i]
        else:
            for i in range(n):
                x = np.float64(xj[i])
                a += x
                q += x * x
                d += x * v[i]
        sum_out[j] = a
        sq_out[j] = q
        xtv_out[j] = d
