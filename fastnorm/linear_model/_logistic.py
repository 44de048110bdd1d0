"""LogisticRegression: scikit-learn 1.9's estimator (binary and multinomial, L1, L2 and
elastic-net penalties) fitted by a proximal Newton solver, an accelerated proximal gradient
solver on fused passes, or proximal SGD.

The objective, in scikit-learn's scale (``C * sum_i s_i loss_i + penalty``), divided by
``C * S`` with ``S = sum_i s_i`` (sample weights times class weights)::

    F(w, b) = (1/S) sum_i s_i loss_i(x_i w + b) + l1 ||w||_1 + 0.5 l2 ||w||^2
    l1 = l1_ratio / (C S),  l2 = (1 - l1_ratio) / (C S)

``loss`` is the binomial deviance ``log(1 + e^z) - y z`` (``y`` in {0, 1}, ``classes_[1]``
positive) or, with three or more classes, the multinomial ``logsumexp(z) - z_y`` on K margins
(the symmetric parametrisation: ``coef_`` is (K, p), every class penalised), as scikit-learn.
The intercept is not penalised.  The penalty pieces are :class:`fastnorm.penalties.ElasticNet`
(numpy) and :mod:`fastnorm._kernels.penalty` (inside the kernels).

Solvers
-------
``"newton"`` (proximal Newton, glum's and skglm's scheme): at each outer step the gradient
and the Hessian weights ``h_i = s_i p_i (1 - p_i)`` come from the margins; the quadratic
model is minimised by coordinate descent, on the (p + 1)^2 weighted Gram matrix built in
one parallel pass over X when ``p <= GRAM_MAX_P`` (binary with an L1 part: exactly, by a
Cholesky solve on the support, when that step keeps the signs), else directly on the
columns of X; a backtracking line search on the exact objective follows (binary: margins
updated, never recomputed).  Multinomial: one such step per class in turn (glmnet's partial
Newton), each with the line search on the full softmax objective, the margins recomputed by
one fused pass per outer step.
``"stream"``: accelerated proximal gradient (FISTA with backtracking and adaptive restart);
each iteration is one fused pass (margins, loss and gradient) and one loss pass per trial.
``"lbfgs"``: scipy's L-BFGS on the fused pass; on tall X it first solves on every 16th row,
then continues on all rows from that point and that solve's curvature pairs, or, binary and
separable, on every 4th row and then on all rows preconditioned by a Hessian built on rows
drawn by their curvature weight.
``"sgd"``: proximal per-sample SGD (``eta0 / (1 + eta0 l2 t)`` steps); approximate; the
multinomial rule (softmax gradient) is in :mod:`fastnorm.linear_model._logistic_sgd`.
``"workset"`` (:mod:`fastnorm.linear_model._logistic_workset`): binary fits with an L1 part on
wide X, proximal Newton on working sets (the support and the most violating features), one
fused pass over X per outer step.

Small binary problems run the Newton and the accelerated gradient solvers as one compiled
call (the same steps, no Python per step).  The row passes of larger ones run the serial or
the parallel build, whichever this process measured faster (they agree bit for bit), since
a parallel pass on a machine whose cores are busy waits for its slowest thread.

Every solver stops when the largest violation of the optimality conditions (the distance of
``-grad`` to the penalty's subdifferential, intercept gradient included, in the scale of
``F``) is at most ``tol``: the criterion of scikit-learn's lbfgs (``pgtol``), extended to L1.
"""

from __future__ import annotations

import math
import time
import warnings
from numbers import Integral, Real

import numpy as np

from fastnorm._config import PARALLEL_MIN, run
from fastnorm._kernels import logistic as _kl
from fastnorm._kernels import multinomial as _km
from fastnorm.linear_model._gram import _aug_gram
from fastnorm.linear_model._logistic_sgd import sgd_multinomial
from fastnorm.linear_model._logistic_steps import prox_grad, sgd_epochs, sgd_steps
from fastnorm.linear_model._logistic_steps import violation as _violation
from fastnorm.linear_model._logistic_workset import AUTO_MIN_SIZE as _WS_AUTO_MIN
from fastnorm.linear_model._logistic_workset import workset_binary
from fastnorm.linear_model._validation import check_all_finite
from fastnorm.penalties import ElasticNet as _EnetPenalty

try:
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model._base import LinearClassifierMixin
    from sklearn.utils._param_validation import Interval, StrOptions
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
except ImportError as exc:  # pragma: no cover - exercised through _base
    raise ImportError("fastnorm.linear_model needs scikit-learn") from exc

__all__ = ["LogisticRegression"]

#: Largest p for which the Newton solver forms the weighted Gram matrix (p^2 floats);
#: wider X runs coordinate descent on the columns.
GRAM_MAX_P = 2048
#: Row groups of the parallel passes: fixed from the shape (results independent of threads).
_GROUPS = 32
#: Armijo constant and backtracking factor of the line searches.
_ARMIJO = 1e-4
_BACKTRACK = 0.5
#: ``solver="auto"`` takes L-BFGS for a smooth penalty from this many elements of X.
_LBFGS_MIN = 1 << 20
#: ... for at most this many full iterations, then Newton from where it stopped.
_AUTO_LBFGS_ITERS = 50
#: The fused multinomial pass (``_multi_pass``) runs serially below this many multiply-adds
#: (~1 ms on one core): at 5000 x 50, K = 3 (1.5e6) the serial pass takes 0.34 ms while one
#: parallel launch on the shared 2-core machine took 160-170 ms (the region waits for a
#: descheduled thread), and ``_Pace`` re-measures the slower build every 16 calls.
_MULTI_PARALLEL_MIN = 1 << 22
#: A model decrease below this fraction of the objective is under its rounding error.
_FLAT = 1e-14
#: Binary Newton solves with ``n (p + 1)^2`` at most this (a Gram build of ~2 ms) run as one
#: compiled call (``newton_binary_small``): at 1000 x 10 the Python steps cost 10x the math.
_SMALL_NEWTON = 1 << 22
#: Wide X (p > n) with an L1 part and ``n p`` at most this: the compiled solver without the
#: Gram matrix, coordinate descent on the columns with an active set (200 x 500: ~10x the
#: Python steps on the (p + 1)^2 Gram matrix).
_SMALL_COLS = 1 << 20
#: L-BFGS on tall X first solves on every ``_LBFGS_SUB``-th row (to ``_LBFGS_SUB_TOL``) when
#: the sample keeps at least ``_LBFGS_SUB_ROWS`` rows per coefficient.
_LBFGS_SUB = 16
_LBFGS_SUB_ROWS = 8
_LBFGS_SUB_TOL = 1e-4
#: Tall binary L-BFGS (``_lbfgs_tall``): the full-data stage is preconditioned by a Hessian
#: built on ``_HESS_ROWS * (p + 1)`` rows drawn in proportion to their Hessian weight,
#: rebuilt every ``_HESS_EVERY`` iterations, when that Gram matrix costs at most
#: ``_HESS_COST`` times the multiply-adds of a pass (``m (p + 1)^2 / 2`` against ``n p``):
#: about one pass of time, the Gram kernel running near peak and the pass at memory speed.
_HESS_ROWS = 9.0
#: The row strides of the subsample stages of ``_lbfgs_tall``, coarse to fine, each solved
#: to ``_TALL_SUB_TOL`` (their points only start the next stage: 3e-4 cost 8-15% less than
#: ``_LBFGS_SUB_TOL`` to 1e-6 at 100000 x 400).  The later stages and the sampled Hessian
#: are used only when the spread of the Hessian weights at the first stage's point
#: (``_weight_spread``) is below ``_TALL_SPREAD``: 0.03-0.07 on separable data, where they
#: halve the passes, 0.6 on noisy labels, where the first stage's curvature pairs alone do
#: better (bench/README.md).
_LBFGS_LEVELS = (16, 4)
_TALL_SUB_TOL = 3e-4
_TALL_SPREAD = 0.25
_HESS_EVERY = 3
_HESS_COST = 8.0


def _groups(n: int) -> int:
    return max(1, min(_GROUPS, n // 1024))


class _Pace:
    """Serial or parallel build of a row pass, by its measured speed in this process.

    On a quiet machine the parallel pass is ~2x faster on 2 cores, but when other processes
    hold the cores its end-of-region barrier waits for a descheduled thread: at 100000 x 400
    with two busy neighbours the fused pass took 190-290 ms parallel against 50 ms serial
    (bench/README.md).  So each kernel keeps a running time per element of both builds
    (each measured once, then the slower one re-measured every ``PROBE`` calls times its
    slowdown) and runs the faster.  The two builds do the same arithmetic in the same order
    (fixed row groups, partials added serially; a test checks them bit for bit), so the
    choice never changes a result, only its time.
    """

    PROBE = 16

    def __init__(self):
        self.rate: dict = {}
        self.calls = 0

    def __call__(self, k, size, groups, *args):
        # one row group has nothing to share out, and small passes cost less than a launch
        if groups == 1 or size < PARALLEL_MIN:
            return k.serial(*args)
        self.calls += 1
        par = self.rate.get((k.__name__, True))
        ser = self.rate.get((k.__name__, False))
        if par is None or ser is None:
            mode = par is None
        else:
            # the slower build is re-measured every PROBE calls times its slowdown, so the
            # probes cost at most ~1/PROBE of the run (busy cores made the parallel fused
            # multinomial pass 170x slower: probing every 16 calls tripled a fit's time)
            slow = max(par, ser) / max(min(par, ser), 1e-18)
            every = self.PROBE * min(max(1, round(slow)), 1 << 20)
            mode = (par <= ser) != (self.calls % every == 0)
        built = k.compiled()
        t0 = time.perf_counter()
        out = run(k, size, *args) if mode else k.serial(*args)
        r = (time.perf_counter() - t0) / size
        if k.compiled() != built:
            # this call compiled a build for new argument types: compile the other build now,
            # or its compile lands in a later call (a user's second fit, a benchmark's timed
            # repeat) and passes for a slow build; and this timing measured a compile
            k.prepare(*args)
            return out
        old = self.rate.get((k.__name__, mode))
        self.rate[(k.__name__, mode)] = r if old is None else 0.5 * (old + r)
        return out


_call = _Pace()


def _matvec(X, w, b):
    out = np.empty(X.shape[0])
    G = _groups(X.shape[0])
    _call(_kl.matvec_rows, X.size, G, X, w, float(b), G, out)
    return out


def _rmatvec(X, r):
    out = np.empty(X.shape[1])
    G = _groups(X.shape[0])
    _call(_kl.rmatvec_rows, X.size, G, X, r, G, out)
    return out


def _multi_pass(X, W, B, yi, sw, grad=True):
    """The fused multinomial pass (one read of X): ``(loss, GW, gB, Z, P)``, raw sums (not
    divided by S), margins and softmax; ``GW``, ``gB`` zero when not ``grad``."""
    n, p = X.shape
    K = W.shape[0]
    G = _groups(n)
    GW = np.empty((K, p))
    gB = np.empty(K)
    Z = np.empty((n, K))
    P = np.empty((n, K))
    W = np.ascontiguousarray(W, dtype=np.float64)
    B = np.ascontiguousarray(B, dtype=np.float64)
    work = X.size * K * (2 if grad else 1)  # multiply-adds: the gradient doubles them
    k = _km.multi_fused_rows
    args = (X, W, B, yi, sw, grad, G, GW, gB, Z, P)
    ls = k.serial(*args) if work < _MULTI_PARALLEL_MIN else _call(k, work, G, *args)
    return ls, GW, gB, Z, P


def _weighted_gram(X, h):
    """``[X 1]^T diag(h) [X 1]`` ((p + 1)^2, intercept last) in one pass over X: the Gram
    pass of the least-squares solvers (``_gram._aug_gram``) with a zero target."""
    n, p = X.shape
    H = _aug_gram(X, np.zeros((n, 1)), h, np.zeros(p), np.zeros(1))
    idx = np.r_[np.arange(p), p + 1]  # drop the (zero) target row and column
    return np.ascontiguousarray(H[np.ix_(idx, idx)])


# ------------------------------------------------------------------------------- solvers
def _auto_solver(n: int, p: int, C: float, l1_ratio: float, binary: bool) -> str:
    """``solver="auto"``'s choice, by measured cost (bench/README.md): the fit's and
    :func:`fastnorm.linear_model.logistic_path`'s (per C)."""
    smooth = l1_ratio == 0 or math.isinf(C)
    if not binary:
        return _auto_multi(n, p, smooth)
    if p > n:
        # wide X: the Newton model costs a (p + 1)^2 Gram matrix and its factor per step.
        # A smooth penalty takes L-BFGS: as fast as the accelerated gradient on independent
        # columns, 3-4x faster on correlated ones (bench/README.md, "Wide smooth logistic");
        # with an L1 part, working sets, or the accelerated gradient below their sizes
        if smooth:
            return "lbfgs"
        return "workset" if n * p > _WS_AUTO_MIN else "stream"
    if smooth and n * p >= _LBFGS_MIN:
        # tall, smooth: a Gram pass per Newton step costs p times a gradient pass,
        # and L-BFGS needs few more steps than Newton (bench/results/logistic-*)
        return "lbfgs"
    return "newton"


def _auto_multi(n: int, p: int, smooth: bool) -> str:
    """``solver="auto"``'s multinomial choice (bench/README.md, "Multinomial logistic
    speed"): a smooth penalty takes L-BFGS on every shape: each evaluation is one fused pass
    (``_multi_pass``), and the block Newton solver builds K Gram matrices per step (at 5000 x
    50, K = 3: 149 ms against 9 ms).  L-BFGS is capped at ``_AUTO_LBFGS_ITERS`` iterations
    before Newton takes over, which serves the badly scaled small problems (iris, digits)
    where L-BFGS crawls.  With an L1 part, the accelerated proximal gradient on the same
    fused pass, except on tiny X (``n (p + 1)^2 <= _SMALL_NEWTON``: iris) where Newton's
    few steps win: the block Newton steps crawl along the classes' shared direction when
    the penalty has both parts (5000 x 50, K = 3, elastic net: 46 steps, 796 ms against
    88 ms) and their K Gram builds cost more than the passes (2000 x 500, K = 4, L1: 1.9 s
    against 96 ms)."""
    if smooth:
        return "lbfgs"
    return "newton" if n * (p + 1) ** 2 <= _SMALL_NEWTON else "stream"


class _Report:
    """Iteration bookkeeping shared by the solvers: verbose printing and the callback."""

    def __init__(self, verbose, callback, name):
        self.verbose, self.callback, self.name = verbose, callback, name
        self.stopped = False  # the callback asked to stop

    def __call__(self, it, obj, viol) -> bool:
        if self.verbose:
            print(f"[{self.name}] iter {it}: objective {obj:.12g}, violation {viol:.3e}")
        stop = bool(self.callback is not None and self.callback(it, obj, viol))
        self.stopped = self.stopped or stop
        return stop


class _Curvature:
    """The curvature of the Newton model (the weighted Gram ``[X 1]^T diag(h) [X 1]``), built
    as cheaply as the phase of the solve allows.

    Far from the optimum (the violation still above 1e-2 of its first value) the model only
    needs to point downhill: when n >= 16 * 64 (p + 1) the Gram matrix is built on every
    16th row (a strided view, no copy), 16 times cheaper.  Then the full matrix is built and
    kept while the steps converge fast (the violation falls at least 4 times per step), so a
    step costs two passes over X instead of a Gram pass; it is rebuilt when they slow down.
    Any positive definite model has the same fixed points, so neither choice moves the
    solution, only the speed towards it.
    """

    STRIDE = 16

    def __init__(self, n, p, fit_intercept):
        self.sub = n >= self.STRIDE * 64 * (p + 1)
        self.fit_intercept = fit_intercept
        self.first = None
        self.last = None
        self.H = None
        self.chol = None

    def model(self, X, hs, viol):
        if self.first is None:
            self.first = viol
        ratio = viol / self.last if self.last else 1.0
        self.last = viol
        if self.sub and viol > 1e-2 * self.first:
            k = self.STRIDE
            H = _weighted_gram(X[::k], np.ascontiguousarray(hs[::k]) * k)
            self.H, self.chol = None, None
        elif self.H is None or ratio > 0.25:
            H = self.H = _weighted_gram(X, hs)
            self.chol = None
        else:
            return self.H
        # a relative floor on the curvature keeps the model bounded when the data are
        # separable (h -> 0); it moves no fixed point (v = w is optimal iff F is)
        H[np.diag_indices_from(H)] += 1e-12 * max(1.0, float(np.max(np.diag(H))))
        return H

    def solve(self, H, g, wv, v, l1, l2, inner_tol):
        """The step ``d = v - wv`` minimising the model (``v`` in/out): a Cholesky solve for
        a smooth penalty (factor kept with ``H``), coordinate descent with L1."""
        m = H.shape[0]
        if l1 > 0.0:
            _kl.cd_gram_quad(H, g, wv, v, l1, l2, self.fit_intercept, 10 * m + 100, inner_tol)
            return v - wv
        from scipy.linalg import cho_factor, cho_solve

        k = m if self.fit_intercept else m - 1  # the intercept's row, when fitted
        if self.chol is None or H is not self.H:
            A = H[:k, :k].copy()
            A[np.diag_indices(min(k, m - 1))] += l2
            chol = cho_factor(A)
            if H is self.H:
                self.chol = chol
        else:
            chol = self.chol
        rhs = -g[:k].copy()
        rhs[: m - 1] -= l2 * wv[: m - 1]
        d = np.zeros(m)
        d[:k] = cho_solve(chol, rhs)
        v[:] = wv + d
        return d


def _orthant_step(H, g, wv, l1, l2, fit_intercept):
    """The exact minimiser of the proximal Newton model with an L1 part, when it keeps the
    signs of ``w``: a Cholesky solve on the nonzero coefficients (and the intercept), the
    zeros kept at zero, checked against the model's optimality conditions (no sign change
    on the support, ``|g_j + (H d)_j| <= l1`` off it).  ``None`` otherwise (the caller runs
    coordinate descent).  Coordinate descent converges to the same step but slowly on an
    ill-conditioned model: on benchopt's separable 100000 x 400 (L1, lmbd 0.01, every
    coefficient nonzero) its inexact steps took 27 outer steps to a violation of 1e-7,
    where this one, near the optimum, converges quadratically (bench/README.md)."""
    p = wv.size - 1
    w = wv[:p]
    nz = w != 0.0
    idx = np.flatnonzero(nz)
    if idx.size == 0:
        return None
    if fit_intercept:
        idx = np.append(idx, p)
    A = H[np.ix_(idx, idx)]
    k = int(nz.sum())
    A[np.arange(k), np.arange(k)] += l2
    rhs = -g[idx]
    rhs[:k] -= l1 * np.sign(w[nz]) + l2 * w[nz]
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    try:
        dA = cho_solve(cho_factor(A), rhs)
    except (LinAlgError, ValueError):
        return None
    if not np.all(np.isfinite(dA)) or np.any(np.sign(w[nz] + dA[:k]) != np.sign(w[nz])):
        return None
    d = np.zeros(p + 1)
    d[idx] = dA
    off = np.flatnonzero(~nz)
    if off.size and np.any(np.abs(g[off] + H[np.ix_(off, idx)] @ dA) > l1):
        return None
    return d


def _newton_binary(X, y, sw, S, pen, fit_intercept, w, b, max_iter, tol, report):
    """Proximal Newton for the binary problem.  Returns ``(w, b, n_iter, viol, stopped)``."""
    n, p = X.shape
    l1, l2, _ = pen.lower()
    cols = l1 > 0.0 and p > n and n * p <= _SMALL_COLS
    small = cols or n * (p + 1) ** 2 <= _SMALL_NEWTON
    if small and not report.verbose and report.callback is None:
        # small X: the whole solve in one compiled call (Python would cost more per step
        # than the step itself); nothing to report per step, so only without verbose/callback
        w = np.array(w, dtype=np.float64)
        bb = np.array([b], dtype=np.float64)
        it, viol, _, _ = _kl.newton_binary_small(
            X, y, sw, S, l1, l2, fit_intercept, w, bb, max_iter, tol, _ARMIJO, _FLAT, cols
        )
        return w, float(bb[0]), max(it, 0), viol, False
    use_gram = p <= GRAM_MAX_P
    z = _matvec(X, w, b)
    r = np.empty(n)
    h = np.empty(n)
    loss = _kl.binom_stats(z, y, sw, r, h) / S
    obj = loss + pen.value(w)
    viol = math.inf
    it = 0
    stopped = False
    curv = _Curvature(n, p, fit_intercept)
    for it in range(1, max_iter + 1):
        g = np.empty(p + 1)
        g[:p] = _rmatvec(X, r) / S
        g[p] = r.sum() / S
        viol = _violation(pen, w[None], g[None, :p], g[p:], fit_intercept)
        if not np.isfinite(viol) or viol <= tol:
            it -= 1
            break
        wv = np.append(w, b)
        v = wv.copy()
        hs = h / S
        if use_gram:
            H = curv.model(X, hs, viol)
            d = _orthant_step(H, g, wv, l1, l2, fit_intercept) if l1 > 0.0 else None
            if d is None:
                d = curv.solve(H, g, wv, v, l1, l2, max(1e-3 * viol, 0.1 * tol))
            else:
                v[:] = wv + d
            xd = _matvec(X, d[:p], d[p])
        else:
            hdiag = np.empty(p)
            _call(_kl.col_sq_weighted, X.size, _groups(n), X, hs, _groups(n), hdiag)
            hdiag += 1e-12 * max(1.0, float(hdiag.max()))
            xd = np.zeros(n)
            _kl.cd_cols_quad(X, hs, hdiag, float(hs.sum()), g, wv, v, l1, l2, fit_intercept,
                             100, max(0.1 * viol, 0.1 * tol), xd)  # fmt: skip
            d = v - wv
        # Armijo backtracking on F along d (prox-Newton decrease of the model)
        delta = float(g @ d) + pen.value(v[:p]) - pen.value(w)
        t = 1.0
        # near the optimum the model's decrease falls below the rounding of F: the
        # comparison is noise there, and the full Newton step is the one to trust
        exact = abs(delta) <= _FLAT * abs(obj)
        for _ in range(0 if exact else 60):
            wt = w + t * d[:p]
            new_obj = _kl.binom_loss_step(z, xd, t, y, sw) / S + pen.value(wt)
            if np.isfinite(new_obj) and new_obj <= obj + _ARMIJO * t * min(delta, 0.0):
                break
            t *= _BACKTRACK
        else:
            if not exact:
                it -= 1
                break  # no decrease along d: at machine precision
            wt = w + d[:p]
        if report.verbose > 1:
            print(f"    step t={t:.3g}, |d|={np.abs(d).max():.3e}, model decrease {delta:.3e}")
        w = wt
        b = b + t * d[p]
        z += t * xd
        loss = _kl.binom_stats(z, y, sw, r, h) / S
        obj = loss + pen.value(w)
        if report(it, obj, viol):
            stopped = True
            break
    else:
        g = np.append(_rmatvec(X, r) / S, r.sum() / S)
        viol = _violation(pen, w[None], g[None, :p], g[p:], fit_intercept)
    return w, b, max(it, 0), viol, stopped


def _newton_multi(X, yi, sw, S, pen, fit_intercept, W, B, max_iter, tol, report):
    """Block (one class at a time) proximal Newton for the multinomial problem."""
    n, p = X.shape
    K = W.shape[0]
    l1, l2, _ = pen.lower()
    Yoh = np.zeros((n, K))
    Yoh[np.arange(n), yi] = 1.0
    viol = math.inf
    it = 0
    stopped = False
    use_gram = p <= GRAM_MAX_P
    curvs = [_Curvature(n, p, fit_intercept) for _ in range(K)]
    for it in range(1, max_iter + 1):
        # one fused pass: fresh margins (no drift from the incremental updates), the
        # softmax, the objective and every class's gradient
        ls, GW, gB, Z, P = _multi_pass(X, W, B, yi, sw)
        GW /= S
        gB /= S
        pv = np.array([pen.value(w) for w in W])  # each class's penalty, kept up to date
        obj = ls / S + float(pv.sum())
        viol = _violation(pen, W, GW, gB, fit_intercept)
        if not np.isfinite(viol) or viol <= tol:
            it -= 1
            break
        fresh = True  # P is still that of the pass: the first class's gradient is GW's row
        for k in range(K):
            pk = np.ascontiguousarray(P[:, k])
            rk = sw * (pk - Yoh[:, k])
            hs = sw * pk * (1.0 - pk) / S
            if fresh:
                g = np.append(GW[k], gB[k])
            else:
                g = np.append(_rmatvec(X, rk) / S, rk.sum() / S)
            wv = np.append(W[k], B[k])
            v = wv.copy()
            inner_tol = max(0.1 * viol, 0.1 * tol)
            if use_gram:
                H = curvs[k].model(X, hs, viol)
                d = curvs[k].solve(H, g, wv, v, l1, l2, max(1e-3 * viol, 0.1 * tol))
                xd = _matvec(X, d[:p], d[p])
            else:
                hdiag = np.empty(p)
                _call(_kl.col_sq_weighted, X.size, _groups(n), X, hs, _groups(n), hdiag)
                hdiag += 1e-12 * max(1.0, float(hdiag.max()))
                xd = np.zeros(n)
                _kl.cd_cols_quad(X, hs, hdiag, float(hs.sum()), g, wv, v, l1, l2,
                                 fit_intercept, 100, inner_tol, xd)  # fmt: skip
                d = v - wv
            if not np.any(d):
                continue
            delta = float(g @ d) + pen.value(v[:p]) - pv[k]
            pen_rest = float(pv.sum() - pv[k])
            t = 1.0
            ok = abs(delta) <= _FLAT * abs(obj)  # as in _newton_binary
            wt = W[k] + d[:p]
            for _ in range(0 if ok else 60):
                wt = W[k] + t * d[:p]
                new_obj = _kl.multi_loss_step(Z, k, xd, t, yi, sw) / S
                new_obj += pen_rest + pen.value(wt)
                if np.isfinite(new_obj) and new_obj <= obj + _ARMIJO * t * min(delta, 0.0):
                    ok = True
                    break
                t *= _BACKTRACK
            if not ok:
                continue
            W[k] = wt
            B[k] += t * d[p]
            Z[:, k] += t * xd
            ls = _kl.multi_stats(Z, yi, sw, P)
            pv[k] = pen.value(W[k])
            obj = ls / S + float(pv.sum())
            fresh = False
        if l1 == 0.0 or l2 == 0.0:
            # the softmax is invariant to W_k -> W_k - c for all k: the c minimising the
            # penalty (the mean for L2, a median for L1) lowers F at no loss change and
            # removes the direction block steps are slowest along (the next pass
            # recomputes the margins)
            c = W.mean(axis=0) if l1 == 0.0 else np.median(W, axis=0)
            W -= c
            obj = ls / S + sum(pen.value(w) for w in W)
        if report(it, obj, viol):
            stopped = True
            break
    else:
        _, GW, gB, _, _ = _multi_pass(X, W, B, yi, sw)
        viol = _violation(pen, W, GW / S, gB / S, fit_intercept)
    return W, B, max(it, 0), viol, stopped


def _loss_grad(X, yi, Yoh, sw, S, W, B, need_grad=True):
    """Data-fit value (over S), and its gradient ``(GW, gB)`` at ``(W, B)``."""
    K = W.shape[0]
    if K == 1 and need_grad:  # the fused epoch: one read of X for value and gradient
        G = _groups(X.shape[0])
        g = np.empty(X.shape[1])
        z = np.empty(X.shape[0])
        args = (X, W[0], float(B[0]), Yoh, sw, G, g, z)
        ls, rs = _call(_kl.binom_fused_rows, X.size, G, *args)
        return ls / S, (g / S)[None], np.array([rs / S])
    if K == 1:
        z = _matvec(X, W[0], B[0])
        r = np.empty(X.shape[0])
        h = np.empty(X.shape[0])
        loss = _kl.binom_stats(z, Yoh, sw, r, h) / S
        if not need_grad:
            return loss, None, None
        return loss, (_rmatvec(X, r) / S)[None], np.array([r.sum() / S])
    ls, GW, gB, _, _ = _multi_pass(X, W, B, yi, sw, need_grad)
    if not need_grad:
        return ls / S, None, None
    return ls / S, GW / S, gB / S


def _fista(X, yi, Yoh, sw, S, pen, fit_intercept, W, B, max_iter, tol, report):
    """Accelerated proximal gradient with backtracking and adaptive (function) restart."""
    rows = np.einsum("ij,ij->i", X, X, dtype=np.float64) if X.size else np.zeros(0)
    L = max(0.25 * float(sw @ rows) / S / max(X.shape[1], 1), 1e-12)
    if (W.shape[0] == 1 and X.size <= _SMALL_COLS and not report.verbose
            and report.callback is None):  # fmt: skip
        # small binary X: the whole solve in one compiled call (the Python steps cost ~5x
        # the two passes of 200 x 500), the same steps
        w = np.array(W[0], dtype=np.float64)
        bb = np.array([B[0]], dtype=np.float64)
        l1, l2, _ = pen.lower()
        it = _kl.fista_binary_small(X, Yoh, sw, S, l1, l2, fit_intercept, w, bb, max_iter,
                                    tol, L)  # fmt: skip
        W, B = w[None], bb
        _, GW, gB = _loss_grad(X, yi, Yoh, sw, S, W, B)
        return W, B, it, _violation(pen, W, GW, gB, fit_intercept), False

    def loss_grad(W, B, grad=True):
        return _loss_grad(X, yi, Yoh, sw, S, W, B, need_grad=grad)

    return prox_grad(loss_grad, pen, fit_intercept, W, B, max_iter, tol, report, L)


def _lbfgs(X, yi, Yoh, sw, S, pen, fit_intercept, W, B, max_iter, tol, report, memory=None):
    """L-BFGS (scipy) on the fused passes, for the smooth (L2 or no) penalty: each
    evaluation is one fused pass; stops on ``max |grad| <= tol`` (scikit-learn lbfgs's
    ``pgtol``, the same violation as the other solvers).  ``memory`` (a list, optional)
    receives the final curvature pairs ``(s, y)``."""
    from scipy.optimize import minimize

    K, p = W.shape
    _, l2, _ = pen.lower()
    it = [0]
    stopped = [False]

    def fg(x):
        Wx = x[: K * p].reshape(K, p)
        Bx = x[K * p :] if fit_intercept else B
        loss, GW, gB = _loss_grad(X, yi, Yoh, sw, S, Wx, Bx)
        f = loss + 0.5 * l2 * float(np.sum(Wx * Wx))
        g = (GW + l2 * Wx).ravel()
        return f, (np.concatenate([g, gB]) if fit_intercept else g)

    def cb(intermediate_result):
        it[0] += 1
        r = intermediate_result
        if report(it[0], float(r.fun), math.nan):
            stopped[0] = True
            raise StopIteration

    n = X.shape[0]
    k = _LBFGS_SUB
    x0 = None
    cold = not np.any(W) and not np.any(B)
    if K == 1 and cold and n >= k * _LBFGS_SUB_ROWS * (p + 1) and _hess_rows(n, p):
        # binary: the same first stage, then a route chosen by the curvature's spread
        return _lbfgs_tall(X, Yoh, sw, S, pen, fit_intercept, W, B, max_iter, tol, report,
                           memory)  # fmt: skip
    if n >= k * _LBFGS_SUB_ROWS * K * (p + 1) and cold:
        # tall X, cold start: first solve on every k-th row (a strided view, k times cheaper
        # per pass).  Its solution is within the sampling error of the full one, and its
        # curvature pairs describe the full Hessian about as well: the full solve starts
        # from both (bench/README.md); the full problem decides the result, so the solution
        # does not change, only the path to it.
        ys = None if yi is None else np.ascontiguousarray(yi[::k])
        sws = np.ascontiguousarray(sw[::k])
        Ss = float(sws.sum())
        if Ss > 0:
            quiet = _Report(0, None, "lbfgs")
            Ys = np.ascontiguousarray(Yoh[::k])
            pairs: list = []
            W, B, *_ = _lbfgs(X[::k], ys, Ys, sws, Ss, pen, fit_intercept, W, B,
                              max_iter, max(tol, _LBFGS_SUB_TOL), quiet, pairs)  # fmt: skip
            x0 = np.concatenate([W.ravel(), B]) if fit_intercept else W.ravel().copy()
            if pairs:
                x, g, nit, ok = _lbfgs_warm(fg, x0, pairs, max_iter, tol, report)
                if memory is not None:
                    memory.extend(pairs)
                W = x[: K * p].reshape(K, p).copy()
                B = x[K * p :].copy() if fit_intercept else B
                return W, B, nit, float(np.max(np.abs(g))) if g.size else 0.0, ok
    if x0 is None:
        x0 = np.concatenate([W.ravel(), B]) if fit_intercept else W.ravel().copy()
    res = minimize(fg, x0, jac=True, method="L-BFGS-B", callback=cb,
                   options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                            "ftol": 64 * np.finfo(float).eps})  # fmt: skip
    if memory is not None and hasattr(res.hess_inv, "sk"):
        memory.extend(zip(res.hess_inv.sk.copy(), res.hess_inv.yk.copy(), strict=True))
    W = res.x[: K * p].reshape(K, p).copy()
    B = res.x[K * p :].copy() if fit_intercept else B
    # the gradient of F at res.x (penalty included) comes with it: with the smooth penalty
    # the violation is its largest entry, and no pass over X is needed to recompute it
    viol = float(np.max(np.abs(res.jac))) if res.jac.size else 0.0
    # scipy's own stop (status 0, also on ftol as scikit-learn's lbfgs) is convergence
    return W, B, int(res.nit), viol, stopped[0] or res.status == 0


def _hess_rows(n, p):
    """Rows of the sampled Hessian of ``_lbfgs_tall``, or 0 when its Gram matrix would cost
    more than about one pass over X."""
    m = int(_HESS_ROWS * (p + 1))
    return m if m * (p + 1) <= 2.0 * _HESS_COST * n else 0


def _weight_spread(z, sw):
    """``(sum d)^2 / (n sum d^2)`` of the Hessian weights ``d_i = s_i p_i (1 - p_i)`` at
    margins ``z``: 1 when every row carries the same curvature, about the fraction of rows
    that carry it otherwise (small on separable data, where most margins are large)."""
    e = np.exp(-np.abs(z))
    d = sw * e / (1.0 + e) ** 2
    dd = float(d @ d)
    return float(d.sum()) ** 2 / (d.size * dd) if dd > 0.0 else 0.0


def _sampled_hessian(X, z, sw, S, m, l2, fit_intercept):
    """Cholesky factor of a sampled Hessian of F at margins ``z``: ``m`` draws of rows with
    probability proportional to their Hessian weight ``d_i = s_i p_i (1 - p_i) / S``
    (systematic sampling: deterministic, each row drawn about ``m d_i / D`` times), so that
    ``(D / m) sum_draws x_i x_i^T`` estimates ``sum_i d_i x_i x_i^T`` without bias, with the
    variance of uniform sampling cut to the rows that carry the curvature (on separable data
    most rows have ``d_i ~ 0``).  Plus ``l2`` on the coefficients.  ``None`` if all weights
    vanish or the factorisation fails."""
    n, p = X.shape
    e = np.exp(-np.abs(z))
    d = sw * e / (1.0 + e) ** 2  # p (1 - p) for either sign of z, no overflow
    c = np.cumsum(d)
    D = float(c[-1]) if n else 0.0
    if not D > 0.0:
        return None
    idx = np.searchsorted(c, (np.arange(m) + 0.5) * (D / m))
    idx, cnt = np.unique(np.minimum(idx, n - 1), return_counts=True)
    h = np.sqrt(cnt * (D / (m * S)))
    P = (p + 4) // 4 * 4  # the intercept row, padded to the kernel's 4-row blocks
    # float32: a preconditioner needs no more digits, and the Gram matrix costs half
    # (23 -> 10 ms single-threaded at 3600 x 404); the floor below absorbs its rounding
    At = np.zeros((P, idx.size), dtype=np.float32)
    _call(_kl.gather_rows_t, idx.size * p, 1, X, idx, h, fit_intercept, At)
    G = np.empty((P, P))
    _call(_kl.gram_t_blocks, P * P * idx.size // 8, P // 8, At, G)
    k = p + 1 if fit_intercept else p
    A = G[:k, :k]
    A[np.diag_indices(p)] += l2
    # a relative floor keeps the factor defined when the sample misses a direction (and
    # above float32's rounding of the sums)
    A[np.diag_indices(k)] += 1e-6 * max(float(np.max(np.diag(A))), 1e-300)
    from scipy.linalg import LinAlgError, cho_factor

    try:
        return cho_factor(A)
    except LinAlgError:  # no metric: the two-loop's usual scaling
        return None


def _lbfgs_tall(X, y01, sw, S, pen, fit_intercept, W, B, max_iter, tol, report, memory=None):
    """L-BFGS for binary problems on tall X, from a cold start.  First every 16th row (a
    strided view, no copy: its passes cost 1/16 of one over X), from zero.  Then, if the
    Hessian weights at that point are spread over most rows (well-conditioned, as on noisy
    labels), all rows from that point with that solve's curvature pairs, as ``_lbfgs``
    does.  Otherwise (separable data: few rows carry the curvature and the pairs describe
    it badly) every 4th row from there, then all rows preconditioned by a sampled Hessian
    (:func:`_sampled_hessian`; the L-BFGS two-loop with ``H_0`` its inverse, rebuilt every
    ``_HESS_EVERY`` iterations): on benchopt's separable 100000 x 400 the full stage takes
    6-10 passes where the first route takes 14-25 (bench/README.md).  The full problem and
    its stopping rule (``max |grad| <= tol``) decide the result: the stages only move the
    starting point and the metric.  Returns what :func:`_lbfgs` returns; ``memory`` as
    there."""
    n, p = X.shape
    _, l2, _ = pen.lower()
    quiet = _Report(0, None, "lbfgs")
    pairs: list = []
    spread = 1.0
    for lv, k in enumerate(_LBFGS_LEVELS):
        sws = np.ascontiguousarray(sw[::k])
        Ss = float(sws.sum())
        if sws.size < _LBFGS_SUB_ROWS * (p + 1) or not Ss > 0:
            continue
        ys = np.ascontiguousarray(y01[::k])
        W, B, *_ = _lbfgs(X[::k], None, ys, sws, Ss, pen, fit_intercept, W, B, max_iter,
                          max(tol, _TALL_SUB_TOL), quiet,
                          pairs if lv == 0 else None)  # fmt: skip
        if lv == 0:
            spread = _weight_spread(_matvec(X[::k], W[0], B[0]), sws)
            if spread >= _TALL_SPREAD:
                break  # well conditioned: the first stage's pairs serve the full problem
    G = _groups(n)
    gw = np.empty(p)
    z = np.empty(n)  # the margins of the last evaluation: the accepted point's

    def fg(x):
        w = x[:p]
        b = float(x[p]) if fit_intercept else 0.0
        ls, rs = _call(_kl.binom_fused_rows, X.size, G, X, w, b, y01, sw, G, gw, z)
        g = gw / S + l2 * w
        f = ls / S + 0.5 * l2 * float(np.sum(w * w))
        return f, (np.append(g, rs / S) if fit_intercept else g)

    x = np.append(W[0], B[0]) if fit_intercept else W[0].copy()
    m = _hess_rows(n, p)

    def metric():
        chol = _sampled_hessian(X, z, sw, S, m, l2, fit_intercept)
        if chol is None:
            return None
        from scipy.linalg import cho_solve

        return lambda v: cho_solve(chol, v)

    if spread >= _TALL_SPREAD:
        x, g, nit, ok = _lbfgs_warm(fg, x, pairs, max_iter, tol, report)
    else:
        pairs = []
        x, g, nit, ok = _lbfgs_warm(fg, x, pairs, max_iter, tol, report, metric=metric)
    if memory is not None:
        memory.extend(pairs)
    W = x[:p][None].copy()
    B = x[p:].copy() if fit_intercept else B
    return W, B, nit, float(np.max(np.abs(g))) if g.size else 0.0, ok


def _lbfgs_warm(fg, x, pairs, max_iter, tol, report, m=10, metric=None):
    """L-BFGS started with curvature pairs ``[(s, y), ...]`` (from the subsample solve):
    the two-loop direction, Armijo backtracking from the unit step (one fused pass per
    trial), new pairs replacing the oldest.  Stops on ``max |grad| <= tol``, or when no
    step lowers F (machine precision; scikit-learn's lbfgs stops there on ``ftol``).
    ``metric`` (optional): called at the current point every ``_HESS_EVERY`` iterations,
    returns ``v -> H_0 v`` (an inverse Hessian estimate, the two-loop's initial matrix) or
    None.  Returns ``(x, grad, iterations, converged_or_stopped)``."""
    pairs[:] = [(s, y) for s, y in pairs if float(s @ y) > 0.0][-m:]  # in/out
    f, g = fg(x)
    it = 0
    H0 = None
    if not np.all(np.isfinite(g)):  # a non-finite X: the caller's check names it
        return x, g, 0, False
    for it in range(1, max_iter + 1):
        if not float(np.max(np.abs(g))) > tol:
            return x, g, it - 1, True
        if metric is not None and (it - 1) % _HESS_EVERY == 0:
            H0 = metric()
        q = g.copy()
        coefs = []
        for s, y in reversed(pairs):
            rho = 1.0 / float(y @ s)
            a = rho * float(s @ q)
            q -= a * y
            coefs.append((rho, a))
        if H0 is not None:
            q = H0(q)
        elif pairs:
            s, y = pairs[-1]
            q *= float(s @ y) / float(y @ y)
        else:
            q *= 1.0 / max(float(np.max(np.abs(g))), 1.0)
        for (s, y), (rho, a) in zip(pairs, reversed(coefs), strict=True):
            q += s * (a - rho * float(y @ q))
        d = -q
        gd = float(g @ d)
        if not gd < 0.0:  # not a descent direction: drop the memory, steepest descent
            pairs.clear()
            d = -g / max(float(np.max(np.abs(g))), 1.0)
            gd = float(g @ d)
        t = 1.0
        gmax = float(np.max(np.abs(g)))
        for _ in range(50):
            xn = x + t * d
            fn, gn = fg(xn)
            # within F's rounding the Armijo test passes on noise (a step that leaves F equal
            # was taken over and over, 2000 steps at 1e-9 > tol 1e-10): there a step must
            # lower the stopping measure instead
            if fn <= f + _ARMIJO * t * gd and (
                fn < f - _FLAT * abs(f) or float(np.max(np.abs(gn))) < gmax
            ):
                break
            t *= _BACKTRACK
        else:
            return x, g, it - 1, True  # no decrease along a descent direction
        s, y = xn - x, gn - g
        if float(s @ y) > 1e-12 * float(y @ y):
            pairs.append((s, y))
            if len(pairs) > m:
                pairs.pop(0)
        x, f, g = xn, fn, gn
        if report(it, f, math.nan):
            return x, g, it, True
    return x, g, it, not float(np.max(np.abs(g))) > tol


def _sgd(X, y, sw, S, pen, fit_intercept, w, b, max_iter, tol, report, random_state):
    """Proximal SGD for the binary problem (the per-sample update rule with the logistic
    gradient, then the penalty's prox); stops when the objective has not improved by ``tol``
    for 5 epochs (scikit-learn's SGDClassifier rule)."""
    n = X.shape[0]
    l1, l2, _ = pen.lower()
    eta0, decay = sgd_steps(X, sw, S, l2, fit_intercept, 0.25)  # the binomial's curvature
    bb = np.array([b], dtype=np.float64)
    w = w.copy()
    t = 0.0

    def epoch(order):
        nonlocal t
        t = _kl.sgd_logistic_epoch(X, y, sw, order, w, bb, eta0, t, decay, l1, l2, S,
                                   fit_intercept)  # fmt: skip

    def objective():
        return _loss_grad(X, None, y, sw, S, w[None], bb, need_grad=False)[0] + pen.value(w)

    it, stopped = sgd_epochs(n, epoch, objective, max_iter, tol, report, random_state)
    _, GW, gB = _loss_grad(X, None, y, sw, S, w[None], bb)
    viol = _violation(pen, w[None], GW, gB, fit_intercept)
    return w, float(bb[0]), it, viol, stopped


def _resolve_solver(solver: str, n: int, p: int, C: float, l1_ratio: float, binary: bool):
    """``(solver, auto)``: ``solver=`` resolved for one fit (the estimator's and the path's),
    and whether ``"auto"`` chose it."""
    l1_part = l1_ratio > 0 and not math.isinf(C)
    if solver == "workset" and not (binary and l1_part):
        solver = "auto"  # no L1 part or several classes: nothing to select features by
    auto = solver == "auto"
    if auto:
        solver = _auto_solver(n, p, C, l1_ratio, binary)
    if solver == "lbfgs" and l1_part:
        raise ValueError("solver='lbfgs' supports only the L2 penalty (l1_ratio=0) or "
                         "no penalty (C=np.inf); use 'newton' or 'stream'.")  # fmt: skip
    return solver, auto


def _run_solver(solver, auto, X, yi, sw, S, pen, fi, W, B, max_iter, tol, report,
                random_state):  # fmt: skip
    """One fit with a resolved solver from ``(W, B)`` (``K`` rows: 1 binary), in place where
    the solver works in place: ``(W, B, n_iter, violation, stopped)`` (the multinomial
    intercepts centred).  The one dispatch of :class:`LogisticRegression` and
    :func:`fastnorm.linear_model.logistic_path`.

    Auto's L-BFGS gets ``_AUTO_LBFGS_ITERS`` full iterations, then Newton goes on from its
    point: on well-scaled data L-BFGS needs 5-25, on badly scaled or strongly correlated
    columns it crawls (60000 x 40 with column scales 1..100: 5.6 s to tol 1e-6, Newton
    0.23 s; bench/README.md) where Newton's steps do not care about the scaling."""
    n = X.shape[0]
    # not on wide X, where a Newton step's (p + 1)^2 model costs more than L-BFGS's crawl
    capped = auto and solver == "lbfgs" and X.shape[1] <= n
    cap = min(max_iter, _AUTO_LBFGS_ITERS) if capped else max_iter

    def falls_back(it, viol, stopped):
        return capped and not stopped and not viol <= tol and it < max_iter

    if W.shape[0] == 1:
        y01 = yi.astype(np.float64)
        if solver == "newton":
            w, b, it, viol, stopped = _newton_binary(X, y01, sw, S, pen, fi, W[0], B[0],
                                                     max_iter, tol, report)  # fmt: skip
        elif solver == "workset":
            w, b, it, viol, stopped = workset_binary(X, y01, sw, S, pen, fi, W[0], B[0],
                                                     max_iter, tol, report)  # fmt: skip
        elif solver in ("stream", "lbfgs"):
            Wo, Bo, it, viol, stopped = (_fista if solver == "stream" else _lbfgs)(
                X, yi, y01, sw, S, pen, fi, W, B, cap, tol, report
            )
            w, b = Wo[0], Bo[0]
            # a non-finite violation (X's NaN/inf, found after the fit) goes to fit's check
            if falls_back(it, viol, stopped) and math.isfinite(viol):
                w, b, it2, viol, stopped = _newton_binary(X, y01, sw, S, pen, fi, w, b,
                                                          max_iter - it, tol, report)  # fmt: skip
                it += it2
        else:
            w, b, it, viol, stopped = _sgd(X, y01, sw, S, pen, fi, W[0], B[0], max_iter, tol,
                                           report, random_state)  # fmt: skip
        return w[None], np.array([b]), it, viol, stopped
    if solver == "newton":
        W, B, it, viol, stopped = _newton_multi(X, yi, sw, S, pen, fi, W, B, max_iter, tol,
                                                report)  # fmt: skip
    elif solver == "sgd":
        W, B, it, viol, stopped = sgd_multinomial(X, yi, sw, S, pen, fi, W, B, max_iter, tol,
                                                  report, random_state)  # fmt: skip
    else:
        Yoh = np.zeros((n, W.shape[0]))
        Yoh[np.arange(n), yi] = 1.0
        W, B, it, viol, stopped = (_fista if solver == "stream" else _lbfgs)(
            X, yi, Yoh, sw, S, pen, fi, W, B, cap, tol, report
        )
        # multinomial: also when L-BFGS stopped on a flat objective (scipy's ftol) above
        # tol, as it does near 1e-10, where Newton still converges (iris: 5e-9 after 500)
        if falls_back(it, viol, stopped and (report.stopped or solver != "lbfgs")):
            W, B, it2, viol, stopped = _newton_multi(X, yi, sw, S, pen, fi, W, B,
                                                     max_iter - it, tol, report)  # fmt: skip
            it += it2
    if fi:
        B = B - B.mean()  # the softmax is shift invariant: scikit-learn's choice
    return W, B, it, viol, stopped


# ------------------------------------------------------------------------------- estimator
class LogisticRegression(LinearClassifierMixin, BaseEstimator):
    """Logistic regression with L1, L2 and elastic-net penalties (binary and multinomial).

    scikit-learn 1.9's parameters and objective: ``C * sum_i s_i loss_i + penalty`` with
    ``penalty = l1_ratio ||w||_1 + (1 - l1_ratio) / 2 ||w||^2`` (the intercept is not
    penalised), so ``coef_`` and ``intercept_`` agree with a tightly converged scikit-learn
    fit.

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet"} or None, default="deprecated"
        Deprecated (as in scikit-learn 1.8+): use ``l1_ratio`` and ``C``.  Accepted with the
        same FutureWarning; ``None`` means no penalty.
    C : float > 0, default=1.0
        Inverse regularisation strength; ``np.inf`` fits without penalty.
    l1_ratio : float in [0, 1], default=0.0
        0 is the L2 penalty, 1 the L1 penalty, in between the elastic net.
    tol : float, default=1e-4
        Stop when the largest violation of the optimality conditions (the gradient of the
        mean loss plus penalty, measured as the distance to the subdifferential; scikit-learn
        lbfgs's ``pgtol`` extended to L1) is at most ``tol``.
    fit_intercept : bool, default=True
    class_weight : dict, "balanced" or None, default=None
        Multiplies the sample weights, as in scikit-learn.
    random_state : int, RandomState or None, default=None
        Row order of ``solver="sgd"``.
    solver : {"auto", "newton", "stream", "lbfgs", "sgd", "workset"}, default="auto"
        ``"newton"``: proximal Newton; the inner problem is coordinate descent on the
        weighted Gram matrix built in one parallel pass (on the columns of X when
        n_features > 2048); multinomial problems take one Newton step per class in turn.
        ``"stream"``: accelerated proximal gradient on parallel passes over X.
        ``"lbfgs"``: scipy's L-BFGS on the same fused passes (L2 or no penalty only).
        ``"sgd"``: proximal per-sample SGD (softmax gradient for multinomial; approximate).
        ``"workset"``: working sets for wide X (binary, with an L1 part; otherwise the
        ``"auto"`` choice): proximal Newton on the support and the most violating features,
        one pass over X per outer step.  ``"auto"``, binary, n_features > n_samples:
        ``"lbfgs"`` for an L2 (or no) penalty; with an L1 part ``"workset"`` on X of more
        than 2**17 elements, else ``"stream"``.  Binary, other X: ``"lbfgs"`` for an L2 (or
        no) penalty on X of 2**20 elements or more; else ``"newton"``.  Multinomial:
        ``"lbfgs"`` for an L2 (or no) penalty; with an L1 part ``"newton"`` when
        n_samples * (n_features + 1)**2 <= 2**22, else ``"stream"``.  Auto's L-BFGS hands
        over to Newton after 50 iterations or when it stalls above ``tol``, where
        n_features <= n_samples.
    max_iter : int, default=100
        Outer iterations (Newton steps, gradient steps, or SGD epochs).
    verbose : int, default=0
        Print the objective and the optimality violation every iteration.
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_``.
    callback : callable ``(iteration, objective, violation) -> bool`` or None
        Called after every iteration; returning True stops the fit (no warning).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression(C=10.0).fit(X, [0, 0, 1, 1])
    >>> clf.predict([[0.2], [2.8]]).tolist()
    [0, 1]
    >>> clf.coef_.shape
    (1, 1)
    """

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l1", "l2", "elasticnet", "deprecated"}), None],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "solver": [StrOptions({"auto", "newton", "stream", "lbfgs", "sgd", "workset"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callback": [callable, None],
    }

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        tol=1e-4,
        fit_intercept=True,
        class_weight=None,
        random_state=None,
        solver="auto",
        max_iter=100,
        verbose=0,
        warm_start=False,
        callback=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.callback = callback

    def _resolve_penalty(self) -> tuple[float, float]:
        """``(C, l1_ratio)`` after scikit-learn 1.9's handling of the deprecated ``penalty``
        (same warnings and errors)."""
        l1_ratio = self.l1_ratio
        if self.penalty == "deprecated":
            if l1_ratio is None:
                warnings.warn(
                    "'l1_ratio=None' was deprecated in version 1.8 and will trigger an error "
                    "in 1.10. Use 0<=l1_ratio<=1 instead.",
                    FutureWarning,
                    stacklevel=3,
                )
                l1_ratio = 0.0
            return float(self.C), float(l1_ratio)
        warnings.warn(
            "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To avoid "
            "this warning, leave 'penalty' set to its default value and use 'l1_ratio' or "
            "'C' instead. Use l1_ratio=0 instead of penalty='l2', l1_ratio=1 instead of "
            "penalty='l1', l1_ratio set to a float between 0 and 1 instead of "
            "penalty='elasticnet', and C=np.inf instead of penalty=None.",
            FutureWarning,
            stacklevel=3,
        )
        pen = self.penalty
        if pen != "elasticnet" and l1_ratio is not None and 0 < l1_ratio < 1:
            warnings.warn(
                f"l1_ratio parameter is only used when penalty is 'elasticnet'. Got "
                f"(penalty={pen})",
                stacklevel=3,
            )
        if (pen == "l2" and l1_ratio != 0) or (pen == "l1" and l1_ratio != 1):
            warnings.warn(
                f"Inconsistent values: penalty={pen} with l1_ratio={l1_ratio}. penalty is "
                "deprecated. Please use l1_ratio only.",
                stacklevel=3,
            )
        if pen == "elasticnet" and l1_ratio is None:
            raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
        if pen is None:
            if self.C != 1.0:
                warnings.warn(
                    "Setting penalty=None will ignore the C and l1_ratio parameters",
                    stacklevel=3,
                )
            return math.inf, 0.0
        ratio = {"l1": 1.0, "l2": 0.0}.get(pen, l1_ratio)
        return float(self.C), float(ratio)

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like or Dask array of shape (n_samples, n_features)
            float32 and float64 arrays (memmaps included) are used in place, never copied.
            A Dask array is fitted on its row chunks (solver "stream" or "lbfgs").
        y : array-like of shape (n_samples,)
            Class labels (two or more classes).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        from fastnorm.linear_model._validation import is_dask

        if is_dask(X) or is_dask(y) or is_dask(sample_weight):  # fitted on the row chunks
            from fastnorm.linear_model._logistic_dask import fit_dask

            return fit_dask(self, X, y, sample_weight)
        self._validate_params()
        C, l1_ratio = self._resolve_penalty()
        # X's NaN/inf check (one single-threaded read, a tenth of a tall L-BFGS fit's time)
        # is left to binary L-BFGS's passes: any non-finite X makes the final gradient
        # non-finite, which sends X through scikit-learn's check (below)
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], order=None,
                             ensure_all_finite=False)  # fmt: skip
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        K = len(self.classes_)
        if K < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {self.classes_[0]!r}"
            )
        n, p = X.shape
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, copy=True)
        yi = np.searchsorted(self.classes_, y).astype(np.intp)
        if self.class_weight is not None:
            cw = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y, sample_weight=sample_weight
            )
            sw *= cw[yi]
        S = float(sw.sum())
        if not S > 0:
            raise ValueError("The sum of the sample weights must be positive.")
        alpha = 0.0 if math.isinf(C) else 1.0 / (C * S)
        pen = _EnetPenalty(alpha, l1_ratio=l1_ratio)
        binary = K == 2
        k_rows = 1 if binary else K
        W = np.zeros((k_rows, p))
        B = np.zeros(k_rows)
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == (k_rows, p):
                W[:] = self.coef_
                if self.fit_intercept:
                    B[:] = self.intercept_
        solver, auto = _resolve_solver(self.solver, n, p, C, l1_ratio, binary)
        deferred = binary and solver == "lbfgs"
        if not deferred:
            check_all_finite(self, X)
        report = _Report(self.verbose, self.callback, solver)
        fi = bool(self.fit_intercept)
        W, B, it, viol, stopped = _run_solver(
            solver, auto, X, yi, sw, S, pen, fi, W, B, self.max_iter, self.tol, report,
            self.random_state,
        )  # fmt: skip
        if deferred and not math.isfinite(viol):
            check_all_finite(self, X)
        if not stopped and not viol <= self.tol and solver != "sgd":
            warnings.warn(
                f"LogisticRegression (solver={solver!r}) did not converge in "
                f"max_iter={self.max_iter} iterations: the optimality violation "
                f"{viol:.3e} is above tol={self.tol:.3e}. Increase max_iter or scale the "
                "data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        dt = X.dtype
        self.coef_ = np.ascontiguousarray(W, dtype=dt)
        self.intercept_ = np.asarray(B if fi else np.zeros(k_rows), dtype=dt)
        self.n_iter_ = np.array([it], dtype=np.int32)
        return self

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        if len(self.classes_) <= 2:
            return self._predict_proba_lr(X)
        from sklearn.utils.extmath import softmax

        return softmax(self.decision_function(X), copy=False)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return np.log(self.predict_proba(X))
