#!/usr/bin/env python3
"""Independent reference implementation of Canopy's metrics (numpy + scipy).

Reads a JSONL file of token events (contract v1, /work/shared/EVENTS.md), applies the contract
(rejection with a reason code, first occurrence of (rollout_id, position) wins, incomplete rollouts
are abandoned) and prints the report JSON that the Java monitor must reproduce to 1e-9 relative.

    python3 core/src/test/python/reference_metrics.py EVENTS.jsonl [-o REPORT.json]
    python3 core/src/test/python/reference_metrics.py --self-test

Deliberately written without looking at the Java code: statistics come from scipy.stats
(pearsonr, spearmanr with mid-ranks, kendalltau tau-b) and numpy (cov with ddof=1).

Decisions where METRICS.md / EVENTS.md leave room (see README.md next to the fixture):
  * Fisher-z fallback (no prompt with n_p - 3 > 0): tanh(mean(atanh(clip(rho_p)))) over the finite
    rho_p, i.e. the plain mean is taken on the z scale, as the paper's reference
    (_weighted_nanmean applied to the z values) does.  --fisher-fallback=rho switches to mean(rho_p).
  * A rollout is keyed by rollout_id alone; its (model, release, prompt) come from its first
    accepted record.  Records for a rollout that already completed are ignored (and reported on
    stderr); the fixture never contains any.
  * Rollouts still incomplete at end of input are abandoned.
  * Groups are listed only if they hold at least one completed rollout.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats
from scipy.special import logsumexp

VOCAB_SIZE = 262144
LOGPROB_ROUNDING = 1e-6
MAX_TOP_LOGPROBS = 1000
FISHER_CLIP = 0.999999

REASONS = (
    "not_json", "not_object", "missing_field", "wrong_type", "empty_string",
    "negative_position", "invalid_logprob", "invalid_entropy", "invalid_top_logprobs",
    "no_entropy_source", "invalid_name", "name_too_long", "beyond_final",
)
MAX_NAME_BYTES = 256


class Rejected(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------------------------
# Contract: parsing and validation
# --------------------------------------------------------------------------------------------

def _reject_constant(name):
    # Strict JSON: NaN / Infinity / -Infinity literals are not JSON.
    raise ValueError(f"non-standard JSON constant {name}")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _required_string(obj: dict, key: str) -> str:
    if key not in obj or obj[key] is None:
        raise Rejected("missing_field", key)
    v = obj[key]
    if not isinstance(v, str):
        raise Rejected("wrong_type", key)
    if v == "":
        raise Rejected("empty_string", key)
    return v


def _check_name(value: str, key: str, key_part: bool = True):
    """Names become key parts: no control character or lone surrogate, at most MAX_NAME_BYTES of UTF-8."""
    if key_part:
        for c in value:
            o = ord(c)
            if o < 0x20 or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF:
                raise Rejected("invalid_name", f"{key} holds U+{o:04X}")
    if len(value.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise Rejected("name_too_long", key)


def _validate_step(step: dict):
    """Returns (position, H_t, U_t, estimator) of one valid step or raises Rejected."""
    if "position" not in step or step["position"] is None:
        raise Rejected("missing_field", "position")
    pos = step["position"]
    if isinstance(pos, bool) or not isinstance(pos, int):
        raise Rejected("wrong_type", "position")
    if pos < 0:
        raise Rejected("negative_position", str(pos))

    entropy = step.get("entropy")
    tops = step.get("top_logprobs")
    logprob = step.get("logprob")

    if entropy is not None:
        if not _is_number(entropy):
            raise Rejected("wrong_type", "entropy")
        entropy = float(entropy)
        if not math.isfinite(entropy) or entropy < 0:
            raise Rejected("invalid_entropy", repr(entropy))
    finite_tops = None
    if tops is not None:
        if not isinstance(tops, list):
            raise Rejected("wrong_type", "top_logprobs")
        if len(tops) == 0 or len(tops) > MAX_TOP_LOGPROBS:
            raise Rejected("invalid_top_logprobs", f"k={len(tops)}")
        for v in tops:
            if not _is_number(v) or math.isnan(float(v)) or float(v) > 0:
                raise Rejected("invalid_top_logprobs", repr(v))
        finite_tops = np.array([float(v) for v in tops if math.isfinite(float(v))], dtype=float)
        if finite_tops.size == 0:
            raise Rejected("invalid_top_logprobs", "no finite entry")
    if logprob is not None:
        if not _is_number(logprob):
            raise Rejected("wrong_type", "logprob")
        logprob = float(logprob)
        if not math.isfinite(logprob) or logprob > LOGPROB_ROUNDING:
            raise Rejected("invalid_logprob", repr(logprob))
        if logprob > 0:
            logprob = 0.0

    if entropy is not None:
        return pos, entropy, entropy, "exact"
    if finite_tops is not None:
        h = topk_entropy(finite_tops)
        return pos, h, max(h, topk_upper(finite_tops)), "topk"
    if logprob is not None:
        h = -logprob if logprob < 0 else 0.0
        return pos, h, h, "surprisal"
    raise Rejected("no_entropy_source", f"position {pos}")


def parse_record(line: str):
    """Parses and validates one JSONL line.

    Returns dict(model, release, rollout_id, prompt_id, final, finish_reason, steps=[(pos,H,U,est)])
    or raises Rejected.
    """
    try:
        obj = json.loads(line, parse_constant=_reject_constant)
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        raise Rejected("not_json", str(e)) from None
    if not isinstance(obj, dict):
        raise Rejected("not_object", type(obj).__name__)
    model = _required_string(obj, "model")
    release = _required_string(obj, "release")
    rollout_id = _required_string(obj, "rollout_id")
    prompt_id = obj.get("prompt_id")
    if prompt_id is not None and not isinstance(prompt_id, str):
        raise Rejected("wrong_type", "prompt_id")
    final = obj.get("final")
    if final is not None and not isinstance(final, bool):
        raise Rejected("wrong_type", "final")
    finish_reason = obj.get("finish_reason")
    if finish_reason is not None and not isinstance(finish_reason, str):
        raise Rejected("wrong_type", "finish_reason")

    if "tokens" in obj and obj["tokens"] is not None:
        tokens = obj["tokens"]
        if not isinstance(tokens, list):
            raise Rejected("wrong_type", "tokens")
        if not tokens:
            raise Rejected("missing_field", "tokens is empty")
        steps = []
        for t in tokens:
            if not isinstance(t, dict):
                raise Rejected("wrong_type", "tokens[] element")
            steps.append(_validate_step(t))
    else:
        steps = [_validate_step(obj)]
    for key, value in (("model", model), ("release", release), ("rollout_id", rollout_id), ("prompt_id", prompt_id)):
        if value is not None:
            _check_name(value, key)
    if finish_reason is not None:
        _check_name(finish_reason, "finish_reason", key_part=False)
    return {
        "model": model, "release": release, "rollout_id": rollout_id,
        "prompt_id": prompt_id if prompt_id is not None else "",
        "final": bool(final), "finish_reason": finish_reason, "steps": steps,
    }


# --------------------------------------------------------------------------------------------
# Per-step estimators
# --------------------------------------------------------------------------------------------

def topk_entropy(l: np.ndarray) -> float:
    """H of the top-k candidates renormalised: p = exp(l - logsumexp(l)), H = -sum p log p."""
    logp = l - logsumexp(l)
    p = np.exp(logp)
    # log p taken from logp, never log(p): a candidate at -1e30 has p = 0 and contributes 0.
    return float(-np.sum(p * logp))


def topk_upper(l: np.ndarray, vocab: int = VOCAB_SIZE) -> float:
    """-sum q log q over the raw candidates plus the residual mass spread uniformly over the rest."""
    q = np.exp(l)
    k = l.size
    partial = float(-np.sum(q * l))
    m = max(0.0, 1.0 - float(np.sum(q)))
    if m > 0 and vocab > k:
        partial += m * math.log((vocab - k) / m)
    return partial


# --------------------------------------------------------------------------------------------
# Stream processing
# --------------------------------------------------------------------------------------------

class Rollout:
    __slots__ = ("model", "release", "prompt_id", "steps", "last", "finish_reason", "complete")

    def __init__(self, model, release, prompt_id):
        self.model, self.release, self.prompt_id = model, release, prompt_id
        self.steps = {}        # position -> (H, U, estimator); first occurrence wins
        self.last = None       # position of the final token, once a final record arrived
        self.finish_reason = None
        self.complete = False


def process_lines(lines):
    """Applies the contract to an iterable of lines. Returns (rollouts, rejected_by_reason, rejected_lines)."""
    rollouts: dict[str, Rollout] = {}
    rejected_by_reason: dict[str, int] = {}
    rejected_lines = []  # (1-based line number, reason)
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if line.strip() == "":
            continue  # blank lines carry no record
        try:
            rec = parse_record(line)
        except Rejected as e:
            rejected_by_reason[e.reason] = rejected_by_reason.get(e.reason, 0) + 1
            rejected_lines.append((lineno, e.reason))
            continue
        ro = rollouts.get(rec["rollout_id"])
        if ro is None:
            ro = Rollout(rec["model"], rec["release"], rec["prompt_id"])
            rollouts[rec["rollout_id"]] = ro
        if ro.complete:
            if max(s[0] for s in rec["steps"]) > ro.last:
                # a position beyond the completed rollout's last: not a retry
                rejected_by_reason["beyond_final"] = rejected_by_reason.get("beyond_final", 0) + 1
                rejected_lines.append((lineno, "beyond_final"))
                continue
            print(f"line {lineno}: record for completed rollout {rec['rollout_id']} ignored",
                  file=sys.stderr)
            continue
        for pos, h, u, est in rec["steps"]:
            if pos not in ro.steps:
                ro.steps[pos] = (h, u, est)
        if rec["final"] and ro.last is None:
            ro.last = max(s[0] for s in rec["steps"])
            ro.finish_reason = rec["finish_reason"]
        if ro.last is not None and all(p in ro.steps for p in range(ro.last + 1)):
            ro.complete = True
    return rollouts, rejected_by_reason, rejected_lines


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------

def _num(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def length_rate_coefficients(N, r):
    """pearson, spearman, kendall (tau-b) and covariance (ddof 1) between N and r."""
    N = np.asarray(N, dtype=float)
    r = np.asarray(r, dtype=float)
    n = N.size
    out = {"pearson": None, "spearman": None, "kendall": None, "covariance": None}
    if n < 2:
        return out
    out["covariance"] = _num(np.cov(N, r, ddof=1)[0, 1])
    if np.all(N == N[0]) or np.all(r == r[0]):
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["pearson"] = _num(stats.pearsonr(N, r)[0])
        out["spearman"] = _num(stats.spearmanr(N, r)[0])
        out["kendall"] = _num(stats.kendalltau(N, r, variant="b")[0])
    return out


def weighted_mean_with_fallback(values, weights):
    """Weighted mean over entries with a finite value and weight > 0; else plain mean of finite values."""
    vals = np.array([np.nan if v is None else v for v in values], dtype=float)
    w = np.asarray(weights, dtype=float)
    usable = np.isfinite(vals) & np.isfinite(w) & (w > 0)
    if usable.any() and w[usable].sum() > 0:
        return float(np.sum(vals[usable] * w[usable]) / np.sum(w[usable]))
    finite = np.isfinite(vals)
    if finite.any():
        return float(np.mean(vals[finite]))
    return None


def fisher_pool(rhos, ns, fallback="z"):
    """tanh(sum w atanh(clip(rho)) / sum w), w = max(n - 3, 0); fallback when no usable weight."""
    vals = np.array([np.nan if v is None else v for v in rhos], dtype=float)
    w = np.maximum(np.asarray(ns, dtype=float) - 3.0, 0.0)
    z = np.arctanh(np.clip(vals, -FISHER_CLIP, FISHER_CLIP))
    usable = np.isfinite(z) & (w > 0)
    if usable.any():
        return float(np.tanh(np.sum(w[usable] * z[usable]) / np.sum(w[usable])))
    finite = np.isfinite(z)
    if not finite.any():
        return None
    if fallback == "rho":
        return float(np.mean(vals[finite]))
    return float(np.tanh(np.mean(z[finite])))


def build_report(rollouts: dict, rejected_by_reason: dict, fisher_fallback="z") -> dict:
    groups: dict[tuple, dict] = {}
    abandoned_by_group: dict[tuple, int] = {}
    for rid, ro in rollouts.items():
        key = (ro.model, ro.release)
        if not ro.complete:
            abandoned_by_group[key] = abandoned_by_group.get(key, 0) + 1
            continue
        n_tok = ro.last + 1
        hs = [ro.steps[p][0] for p in range(n_tok)]
        us = [ro.steps[p][1] for p in range(n_tok)]
        ests = [ro.steps[p][2] for p in range(n_tok)]
        h_sum = math.fsum(hs)
        groups.setdefault(key, {}).setdefault(ro.prompt_id, []).append({
            "id": rid, "N": n_tok, "H": h_sum, "U": math.fsum(us),
            "r": h_sum / max(n_tok, 1), "trunc": ro.finish_reason == "length", "ests": ests,
        })

    out_groups = []
    for key in sorted(groups):
        prompts = groups[key]
        per_prompt = []
        all_N, all_r, est_counts, tokens, n_rollouts = [], [], {"exact": 0, "topk": 0, "surprisal": 0}, 0, 0
        for pid in sorted(prompts):
            rs = sorted(prompts[pid], key=lambda x: x["id"])
            N = np.array([x["N"] for x in rs], dtype=float)
            r = np.array([x["r"] for x in rs], dtype=float)
            H = np.array([x["H"] for x in rs], dtype=float)
            U = np.array([x["U"] for x in rs], dtype=float)
            T = np.array([1.0 if x["trunc"] else 0.0 for x in rs])
            coeffs = length_rate_coefficients(N, r)
            per_prompt.append({
                "prompt_id": pid, "rollouts": len(rs),
                "ce_star": float(np.mean(H)), "ce_star_upper": float(np.mean(U)),
                "mean_length": float(np.mean(N)), "mean_entropy_rate": float(np.mean(r)),
                "truncation_rate": float(np.mean(T)), **coeffs,
            })
            all_N.extend(N.tolist())
            all_r.extend(r.tolist())
            for x in rs:
                tokens += x["N"]
                n_rollouts += 1
                for e in x["ests"]:
                    est_counts[e] += 1
        ns = [p["rollouts"] for p in per_prompt]
        ce_star = float(np.mean([p["ce_star"] for p in per_prompt]))
        ce_upper = float(np.mean([p["ce_star_upper"] for p in per_prompt]))
        L = float(np.mean([p["mean_length"] for p in per_prompt]))
        R = float(np.mean([p["mean_entropy_rate"] for p in per_prompt]))
        length_driven = L * R
        out_groups.append({
            "model": key[0], "release": key[1], "rollouts": n_rollouts, "prompts": len(per_prompt),
            "tokens": tokens, "abandoned": abandoned_by_group.get(key, 0),
            "ce_star": ce_star, "ce_star_upper": ce_upper, "mean_length": L, "mean_entropy_rate": R,
            "gen_ppl": math.exp(ce_star / L), "branching_factor": math.exp(R),
            "truncation_rate": float(np.mean([p["truncation_rate"] for p in per_prompt])),
            "length_entropy_rate": {
                "pearson": fisher_pool([p["pearson"] for p in per_prompt], ns, fisher_fallback),
                "spearman": fisher_pool([p["spearman"] for p in per_prompt], ns, fisher_fallback),
                "kendall": weighted_mean_with_fallback(
                    [p["kendall"] for p in per_prompt], [n * (n - 1) / 2 for n in ns]),
                "covariance": weighted_mean_with_fallback(
                    [p["covariance"] for p in per_prompt], [n - 1 for n in ns]),
            },
            "all_rollouts": length_rate_coefficients(all_N, all_r),
            "decomposition": {"length_driven": length_driven, "covariance": ce_star - length_driven},
            "estimators": est_counts,
            "per_prompt": per_prompt,
        })
    return {
        "rejected": int(sum(rejected_by_reason.values())),
        "abandoned": int(sum(abandoned_by_group.values())),
        "rejected_by_reason": {k: rejected_by_reason[k] for k in sorted(rejected_by_reason)},
        "groups": out_groups,
    }


def report_for_lines(lines, fisher_fallback="z") -> dict:
    rollouts, by_reason, _ = process_lines(lines)
    return build_report(rollouts, by_reason, fisher_fallback)


def read_lines(path: str):
    """Lines of a JSONL file (.gz allowed), without a trailing empty line."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# --------------------------------------------------------------------------------------------
# Self-test: tiny cases computed by hand
# --------------------------------------------------------------------------------------------

def _close(a, b, tol=1e-12):
    return a is not None and b is not None and abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def self_test() -> None:
    ln = math.log
    # --- estimators -------------------------------------------------------------------------
    # top-k [ln .5, ln .25]: renormalised p = (2/3, 1/3), H = ln 3 - (2/3) ln 2
    l = np.array([ln(0.5), ln(0.25)])
    assert _close(topk_entropy(l), ln(3) - 2 / 3 * ln(2))
    # upper: -sum q ln q = .5 ln 2 + .25 ln 4 = ln 2; residual .25 over V - 2 tokens
    assert _close(topk_upper(l), ln(2) + 0.25 * ln((VOCAB_SIZE - 2) / 0.25))
    # -1e30 candidate contributes nothing; sum q > 1 -> no residual term
    l2 = np.array([-0.1, -1e30, ln(0.5)])
    p = np.array([math.exp(-0.1), 0.5]) / (math.exp(-0.1) + 0.5)
    assert _close(topk_entropy(l2), float(-(p * np.log(p)).sum()))
    assert _close(topk_upper(l2), math.exp(-0.1) * 0.1 + 0.5 * ln(2))

    # --- case 1: one prompt, two rollouts, all three estimators, first-wins, out of order --------
    lines = [
        '{"model":"m","release":"r","rollout_id":"b","prompt_id":"p","tokens":['
        '{"position":2,"entropy":0.3,"logprob":-9},{"position":1,"top_logprobs":[-0.6931471805599453,-0.6931471805599453]}],'
        '"final":true,"finish_reason":"length"}',
        '{"model":"m","release":"r","rollout_id":"a","prompt_id":"p","position":1,"entropy":0.5}',
        '{"model":"m","release":"r","rollout_id":"a","prompt_id":"p","position":1,"entropy":7.0}',  # retry: ignored
        '{"model":"m","release":"r","rollout_id":"b","prompt_id":"p","position":0,"logprob":-0.2}',
        '{"model":"m","release":"r","rollout_id":"a","prompt_id":"p","position":0,"entropy":1,"final":false}',
        '{"model":"m","release":"r","rollout_id":"a","prompt_id":"p","position":1,"entropy":1.0,"final":true,"finish_reason":"stop"}',
        '{"model":"m","release":"r","rollout_id":"c","prompt_id":"p","position":0,"logprob":5e-7}',  # never final
        'not json', '[1]', '{"model":"m","release":"","rollout_id":"x","position":0,"logprob":-1}',
        '{"model":"m","release":"r","rollout_id":"x","position":-1,"logprob":-1}',
        '{"model":"m","release":"r","rollout_id":"x","position":"3","logprob":-1}',
        '{"model":"m","release":"r","rollout_id":"x","position":0,"logprob":0.5}',
        '{"model":"m","release":"r","rollout_id":"x","position":0,"entropy":-1,"logprob":-1}',
        '{"model":"m","release":"r","rollout_id":"x","position":0,"top_logprobs":[]}',
        '{"model":"m","release":"r","rollout_id":"x","position":0}',
        '{"release":"r","rollout_id":"x","position":0,"logprob":-1}',
        '{"model":"m","release":"r","rollout_id":"x","tokens":[{"position":0,"logprob":-1},{"position":1,"top_logprobs":[-1,0.4]}]}',
    ]
    rep = report_for_lines(lines)
    assert rep["rejected"] == 11 and rep["abandoned"] == 1, rep
    assert rep["rejected_by_reason"] == {
        "not_json": 1, "not_object": 1, "empty_string": 1, "negative_position": 1, "wrong_type": 1,
        "invalid_logprob": 1, "invalid_entropy": 1, "invalid_top_logprobs": 2,
        "no_entropy_source": 1, "missing_field": 1}, rep["rejected_by_reason"]
    g = rep["groups"][0]
    Ha, Na = 1.5, 2              # a: entropy 1 + 0.5 (the retry 7.0 and the later 1.0 lose)
    Hb, Nb = 0.2 + ln(2) + 0.3, 3  # b: surprisal 0.2, top-k two equal -> ln 2, exact 0.3
    ra, rb = Ha / Na, Hb / Nb
    assert g["rollouts"] == 2 and g["tokens"] == 5 and g["abandoned"] == 1 and g["prompts"] == 1
    assert g["estimators"] == {"exact": 3, "topk": 1, "surprisal": 1}
    assert _close(g["ce_star"], (Ha + Hb) / 2)
    assert _close(g["mean_length"], 2.5) and _close(g["mean_entropy_rate"], (ra + rb) / 2)
    # upper: the top-k step has q = (.5, .5), residual 0 -> U = ln 2 = H; all other steps U = H
    assert _close(g["ce_star_upper"], g["ce_star"])
    assert _close(g["gen_ppl"], math.exp((Ha + Hb) / 2 / 2.5))
    assert _close(g["branching_factor"], math.exp((ra + rb) / 2))
    assert _close(g["truncation_rate"], 0.5)
    sign = 1.0 if rb > ra else -1.0
    pp = g["per_prompt"][0]
    assert _close(pp["pearson"], sign) and _close(pp["spearman"], sign) and _close(pp["kendall"], sign)
    # covariance with n = 2: (x2 - x1)(y2 - y1) / 2
    assert _close(pp["covariance"], (Nb - Na) * (rb - ra) / 2)
    # n = 2 < 4: no Fisher weight -> fallback tanh(atanh(clip(+-1))) = +-0.999999
    assert _close(g["length_entropy_rate"]["pearson"], sign * FISHER_CLIP)
    assert _close(g["length_entropy_rate"]["kendall"], sign)
    assert _close(g["decomposition"]["covariance"], (Ha + Hb) / 2 - 2.5 * (ra + rb) / 2)

    # --- case 2: ties (mid-ranks, tau-b) and constant lengths ------------------------------------
    c = length_rate_coefficients([1, 2, 2, 3], [0.1, 0.3, 0.2, 0.4])
    # ranks N = (1, 2.5, 2.5, 4), ranks r = (1, 3, 2, 4): rho_s = 4.5 / sqrt(4.5 * 5) = sqrt(0.9)
    assert _close(c["spearman"], math.sqrt(0.9))
    # 5 concordant, 0 discordant, 1 pair tied in N only: tau_b = 5 / sqrt(5 * 6)
    assert _close(c["kendall"], 5 / math.sqrt(30))
    # covariance: mean N = 2, mean r = .25; sum dx dy = .15 + 0 + 0 + .15 = .3 -> /3 = .1
    assert _close(c["covariance"], 0.1)
    # pearson = .1 / sqrt(var N * var r) = .1 / sqrt((2/3) * (.05/3))
    assert _close(c["pearson"], 0.1 / math.sqrt((2 / 3) * (0.05 / 3)))
    c = length_rate_coefficients([7, 7, 7], [0.1, 0.5, 0.2])
    assert c["pearson"] is None and c["spearman"] is None and c["kendall"] is None
    assert c["covariance"] == 0.0
    assert length_rate_coefficients([3], [0.2]) == {
        "pearson": None, "spearman": None, "kendall": None, "covariance": None}

    # --- case 3: pooling ----------------------------------------------------------------------
    # n = (5, 7, 2): weights (2, 4, 0); z = atanh(.5), atanh(-.2)
    want = math.tanh((2 * math.atanh(0.5) + 4 * math.atanh(-0.2)) / 6)
    assert _close(fisher_pool([0.5, -0.2, 1.0], [5, 7, 2]), want)
    assert _close(fisher_pool([0.5, None, 1.0], [5, 7, 2]), 0.5)
    # fallback (all n <= 3): mean on the z scale of atanh(.999999) and atanh(.5)
    want = math.tanh((math.atanh(0.999999) + math.atanh(0.5)) / 2)
    assert _close(fisher_pool([1.0, 0.5, None], [2, 3, 1]), want)
    assert _close(fisher_pool([1.0, 0.5, None], [2, 3, 1], fallback="rho"), 0.75)
    assert fisher_pool([None, None], [1, 5]) is None
    # kendall weights n(n-1)/2 = (10, 1): (10 * .2 + 1 * -1) / 11
    assert _close(weighted_mean_with_fallback([0.2, -1.0], [10, 1]), 1 / 11)
    assert weighted_mean_with_fallback([None], [0]) is None
    # --- names and records after completion --------------------------------------------------------
    names = [
        '{"model":"m\\u0000r","release":"z","rollout_id":"n1","position":0,"logprob":-1}',
        '{"model":"m","release":"r","rollout_id":"n2","prompt_id":"p\\ud800","position":0,"logprob":-1}',
        '{"model":"' + "m" * 257 + '","release":"r","rollout_id":"n3","position":0,"logprob":-1}',
        '{"model":"' + "\u00e9" * 128 + '","release":"r","rollout_id":"n4","position":0,"logprob":-1,"final":true}',
        '{"model":"m","release":"r","rollout_id":"n4","position":0,"logprob":-1}',  # retry after completion
        '{"model":"m","release":"r","rollout_id":"n4","position":1,"logprob":-1}',  # beyond the last
    ]
    rep = report_for_lines(names)
    assert rep["rejected_by_reason"] == {"invalid_name": 2, "name_too_long": 1, "beyond_final": 1}, rep["rejected_by_reason"]
    assert [g["rollouts"] for g in rep["groups"]] == [1], rep["groups"]
    print("self-test passed")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("events", nargs="?", help="JSONL (or .jsonl.gz) token events")
    ap.add_argument("-o", "--output", help="write the report here instead of stdout")
    ap.add_argument("--self-test", action="store_true", help="run the hand-computed checks")
    ap.add_argument("--fisher-fallback", choices=("z", "rho"), default="z",
                    help="plain-mean fallback of the Fisher pooling on the z (default) or rho scale")
    args = ap.parse_args(argv)
    if args.self_test:
        self_test()
        if not args.events:
            return 0
    if not args.events:
        ap.error("events file required")
    report = report_for_lines(read_lines(args.events), args.fisher_fallback)
    text = json.dumps(report, indent=2, allow_nan=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
