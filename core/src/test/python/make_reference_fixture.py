#!/usr/bin/env python3
"""Writes the synthetic reference fixture core/src/test/resources/reference/events.jsonl.

    python3 core/src/test/python/make_reference_fixture.py

Deterministic (fixed seed). Also writes expected-rejections.json (line number -> reason code of
every record the contract must reject) and checks the fixture against reference_metrics.py's
contract implementation. All data is synthetic: random next-token distributions over a 40-token
toy vocabulary, no model output and no third-party data.
"""
from __future__ import annotations

import copy
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "reference"))
sys.path.insert(0, HERE)
import reference_metrics as ref  # noqa: E402

SEED = 20260530
TOY_VOCAB = 40

# (model, release) -> dict(cap, slope, mix=(exact, topk, surprisal), prompts={prompt_id: lengths})
# prompt_id None = production traffic (no prompt_id field). A length equal to cap is truncated.
GROUPS = {
    ("alpha", "base"): dict(cap=16, slope=-0.6, mix=(0.5, 0.3, 0.2), prompts={
        "p-01": [4, 6, 6, 9, 9, 9, 12, 16],   # ties in N -> mid-ranks
        "p-02": "random:6",
        "p-03": [5],                          # exactly one rollout: coefficients null
        "p-04": [7, 7, 7, 7],                 # constant N: correlations null, covariance 0
    }),
    ("alpha", "ft-1"): dict(cap=16, slope=0.7, mix=(0.2, 0.6, 0.2), prompts={
        "p-01": "random:10",
        "p-02": "random:5",
        "p-03": [3, 11],                      # n = 2: coefficients +-1, Fisher weight 0
        "p-04": [6, 9, 16],                   # n = 3: Fisher weight 0
    }),
    ("beta", "v1"): dict(cap=14, slope=0.4, mix=(0.3, 0.3, 0.4), prompts={
        # no prompt with n - 3 > 0: the plain-mean fallback of the Fisher pooling applies
        "p-10": [5, 11],
        "p-11": [3, 8, 14],
        "p-12": [6],
        "p-13": [4, 4, 9],
    }),
    ("beta", "v2"): dict(cap=14, slope=0.2, mix=(0.1, 0.4, 0.5), prompts={
        None: "random:12",                    # production traffic -> prompt group ""
        "p-10": "random:5",
    }),
}


def main() -> int:
    rng = np.random.default_rng(SEED)

    def rnd(x, nd=6):
        return round(float(x), nd)

    # ---- rollouts ------------------------------------------------------------------------------
    rollouts = []  # dicts: id, model, release, prompt, N, finish, steps[pos] -> fields dict
    serial = 0
    for (model, release), spec in GROUPS.items():
        for prompt, lengths in spec["prompts"].items():
            if isinstance(lengths, str):
                lengths = [int(x) for x in rng.integers(2, spec["cap"] + 1, size=int(lengths[7:]))]
            for j, n_tok in enumerate(lengths):
                serial += 1
                rid = f"{model[0]}{release}-{prompt or 'prod'}-{j}-{rng.integers(1 << 16):04x}"
                rate = max(0.08, 1.1 + spec["slope"] * (n_tok - 8) / 8 + 0.25 * rng.normal())
                mix = spec["mix"]
                steps = []
                for _ in range(n_tok):
                    temp = rate * rng.gamma(4.0) / 4.0 + 0.05
                    z = rng.normal(size=TOY_VOCAB) / temp
                    logp = z - np.logaddexp.reduce(z)
                    p = np.exp(logp)
                    kind = rng.choice(3, p=mix)
                    tok = int(rng.choice(TOY_VOCAB, p=p))
                    st = {}
                    if kind == 0:
                        st["entropy"] = rnd(-np.sum(p * logp))
                        if rng.random() < 0.25:  # extra fields: entropy must win
                            st["logprob"] = rnd(logp[tok])
                            st["top_logprobs"] = [rnd(v) for v in np.sort(logp)[::-1][:3]]
                    elif kind == 1:
                        k = int(rng.integers(1, 9))
                        top = np.argsort(-logp)[:k]
                        top = top[rng.permutation(k)]  # any order
                        st["top_logprobs"] = [rnd(logp[i]) for i in top]
                        if rng.random() < 0.5:
                            st["logprob"] = rnd(logp[tok])
                    else:
                        st["logprob"] = rnd(logp[tok])
                    steps.append(st)
                finish = "length" if n_tok == spec["cap"] else "stop"
                rollouts.append(dict(id=rid, model=model, release=release, prompt=prompt,
                                     N=n_tok, finish=finish, steps=steps))

    by_key = {}
    for ro in rollouts:
        by_key.setdefault((ro["model"], ro["release"], ro["prompt"]), []).append(ro)

    def pick(model, release, prompt, j):
        return by_key[(model, release, prompt)][j]

    # ---- hand-placed special steps ---------------------------------------------------------------
    # integer-valued entries, a -1e30 entry, unsorted
    pick("alpha", "ft-1", "p-01", 0)["steps"][1] = {"top_logprobs": [-2, -1e30, -0.5, -3, -1.25]}
    # k = 1 with the integer 0: a certain step (H = 0, no residual)
    pick("alpha", "ft-1", "p-02", 1)["steps"][0] = {"top_logprobs": [0], "logprob": 0}
    # sum(exp(l)) = 1.0023 > 1 (producer rounding): residual clamps to 0
    pick("beta", "v2", None, 0)["steps"][1] = {"top_logprobs": [-0.7, -0.69, -5.5], "logprob": -0.7}
    # far tail entries underflow to probability 0
    pick("beta", "v2", None, 2)["steps"][0] = {"top_logprobs": [-2.6, -0.1, -900, -1e30, -900.0]}
    # logprob 5e-7: within 1e-6 above zero, counts as 0 (surprisal step, H = 0)
    pick("alpha", "base", "p-02", 0)["steps"][1] = {"logprob": 5e-7}
    # integer logprob -1 and integer entropy 2 carrying a conflicting logprob / top-k
    pick("beta", "v1", "p-11", 1)["steps"][2] = {"logprob": -1}
    pick("alpha", "base", "p-04", 2)["steps"][3] = {"entropy": 2, "logprob": -0.01,
                                                     "top_logprobs": [-0.01, -5.2]}
    # finish reasons that are not "length": another server word and none at all
    pick("beta", "v2", None, 3)["finish"] = "content_filter"
    pick("alpha", "ft-1", "p-01", 4)["finish"] = None

    # ---- abandoned rollouts (never complete) -----------------------------------------------------
    def extra_rollout(model, release, prompt, n_tok, rid):
        steps = [{"logprob": rnd(-rng.exponential(1.0))} for _ in range(n_tok)]
        return dict(id=rid, model=model, release=release, prompt=prompt, N=n_tok, finish="stop",
                    steps=steps)

    gap = extra_rollout("alpha", "base", "p-01", 6, "abase-p-01-gap")       # position 2 missing
    nofinal = extra_rollout("beta", "v1", "p-11", 5, "bv1-p-11-nofinal")    # no final record

    # ---- records per rollout ---------------------------------------------------------------------
    def base_fields(ro):
        rec = {"model": ro["model"], "release": ro["release"], "rollout_id": ro["id"]}
        if ro["prompt"] is not None:
            rec["prompt_id"] = ro["prompt"]
        return rec

    def make_records(ro, mode, skip=(), final=True):
        positions = [p for p in range(ro["N"]) if p not in skip]
        segs, i = [], 0
        while i < len(positions):
            size = 1 if mode == "token" else int(rng.integers(2, 6) if mode == "chunk" else rng.integers(1, 4))
            segs.append(positions[i:i + size])
            i += size
        recs = []
        for seg in segs:
            rec = base_fields(ro)
            if len(seg) == 1 and mode != "chunk":
                rec["position"] = seg[0]
                rec.update(ro["steps"][seg[0]])
            else:
                order = list(seg)
                if len(seg) > 2 and rng.random() < 0.2:
                    order = [seg[i] for i in rng.permutation(len(seg))]
                rec["tokens"] = [dict(position=p, **ro["steps"][p]) for p in order]
            if final and seg[-1] == ro["N"] - 1:
                rec["final"] = True
                if ro["finish"] is not None:
                    rec["finish_reason"] = ro["finish"]
            elif rng.random() < 0.1:
                rec["final"] = False
            if rng.random() < 0.05:
                rec["timestamp"] = 1780000000000 + int(rng.integers(10 ** 6))  # known optional field
            if rng.random() < 0.05:
                rec["server"] = "node-" + str(int(rng.integers(1, 4)))  # unknown field: ignored
            recs.append(rec)
        return recs

    def altered(rec):
        """A producer retry of rec carrying different values (must lose: first occurrence wins)."""
        dup = copy.deepcopy(rec)
        dup.pop("final", None)
        steps = dup["tokens"] if "tokens" in dup else [dup]
        for st in steps:
            if "entropy" in st:
                st["entropy"] = rnd(st["entropy"] + 0.75)
            elif "top_logprobs" in st:
                st["top_logprobs"] = [rnd(v - 0.3) if v > -1e29 else v for v in st["top_logprobs"]] + [-1.5]
            else:  # surprisal step retried with an exact entropy: estimator count must not change
                st["entropy"] = rnd(abs(st["logprob"]) + 1.0)
        return dup

    sequences = {}  # rollout id -> records in arrival order
    modes = ["token", "chunk", "mixed"]
    dup_targets = {pick("alpha", "base", "p-01", 3)["id"], pick("alpha", "ft-1", "p-01", 2)["id"],
                   pick("alpha", "ft-1", "p-02", 0)["id"], pick("beta", "v1", "p-13", 0)["id"],
                   pick("beta", "v2", None, 5)["id"], pick("beta", "v2", "p-10", 1)["id"]}
    for ro in rollouts:
        mode = modes[int(rng.choice(3, p=(0.5, 0.25, 0.25)))] if ro["N"] > 1 else "token"
        recs = make_records(ro, mode)
        recs = [recs[i] for i in rng.permutation(len(recs))]  # out of order
        if ro["id"] in dup_targets:
            # retries: of up to two records, never of the final one nor of the last to arrive
            cands = [i for i, r in enumerate(recs[:-1]) if not r.get("final")]
            for i in sorted(rng.choice(cands, size=min(2, len(cands)), replace=False), reverse=True):
                recs.insert(i + 1, altered(recs[i]))
        sequences[ro["id"]] = recs
    sequences[gap["id"]] = make_records(gap, "token", skip={2})
    sequences[nofinal["id"]] = make_records(nofinal, "mixed", final=False)

    # ---- invalid records: (raw line, expected reason, what is wrong) -------------------------------
    def line(rec):
        return json.dumps(rec, separators=(",", ":"))

    invalid = [
        ('{"model":"alpha","release":"base","rollout_id":"bad-01","prompt_id":"p-01","position":0,"logprob":-0.5',
         "not_json", "truncated line"),
        (line([{"model": "alpha", "release": "base", "rollout_id": "bad-02", "position": 0, "logprob": -0.5}]),
         "not_object", "JSON array"),
        (line({"release": "base", "rollout_id": "bad-03", "prompt_id": "p-01", "position": 0, "logprob": -0.4}),
         "missing_field", "no model"),
        (line({"model": "beta", "release": "", "rollout_id": "bad-04", "position": 0, "entropy": 0.7}),
         "empty_string", "release is empty"),
        (line({"model": "beta", "release": "v1", "rollout_id": "bad-05", "prompt_id": "p-10", "position": -1,
               "logprob": -0.2}), "negative_position", "position -1"),
        (line({"model": "beta", "release": "v2", "rollout_id": "bad-06", "position": "3", "logprob": -0.2}),
         "wrong_type", "position is a string"),
        (line({"model": "alpha", "release": "ft-1", "rollout_id": "bad-07", "prompt_id": "p-02", "position": 1,
               "logprob": 0.5}), "invalid_logprob", "positive logprob"),
        (line({"model": "alpha", "release": "base", "rollout_id": "bad-08", "prompt_id": "p-02", "position": 0,
               "entropy": -1, "logprob": -0.3}), "invalid_entropy", "negative entropy beside a valid logprob"),
        (line({"model": "beta", "release": "v2", "rollout_id": "bad-09", "position": 0, "top_logprobs": []}),
         "invalid_top_logprobs", "empty top_logprobs"),
        (line({"model": "alpha", "release": "ft-1", "rollout_id": "bad-10", "prompt_id": "p-03", "position": 2,
               "final": True, "finish_reason": "stop"}), "no_entropy_source", "no entropy, top_logprobs or logprob"),
    ]
    # Invalid records aimed at real rollouts, arriving before the valid copy: accepting any part of
    # them would change that rollout's values (first occurrence wins).
    victim = pick("alpha", "ft-1", "p-02", 2)
    vrec = next(r for r in sequences[victim["id"]] if "tokens" in r and len(r["tokens"]) >= 2)
    bad_chunk = base_fields(victim)
    bad_chunk["tokens"] = [dict(position=t["position"], entropy=3.5) for t in vrec["tokens"]]
    bad_chunk["tokens"][-1] = dict(position=vrec["tokens"][-1]["position"], top_logprobs=[-0.2, 0.4])
    victim2 = pick("beta", "v1", "p-10", 0)
    bad_tiny = dict(base_fields(victim2), position=1, logprob=2e-6)
    embedded = [(victim["id"], bad_chunk, "invalid_top_logprobs",
                 "chunk whose last step has a positive top_logprobs entry (valid retry follows)"),
                (victim2["id"], bad_tiny, "invalid_logprob",
                 "logprob 2e-6, just beyond the 1e-6 rounding allowance (valid position 1 follows)")]
    for rid, rec, reason, what in embedded:
        seq = sequences[rid]
        positions = {t["position"] for t in rec["tokens"]} if "tokens" in rec else {rec["position"]}
        first_valid = min(i for i, r in enumerate(seq)
                          if positions & ({t["position"] for t in r["tokens"]} if "tokens" in r else {r["position"]}))
        seq.insert(first_valid, (line(rec), reason, what))

    # ---- interleave all rollouts, then scatter the stand-alone invalid lines -----------------------
    queues = {rid: list(seq) for rid, seq in sequences.items()}
    stream = []
    while queues:
        ids = sorted(queues)
        weights = np.array([len(queues[i]) for i in ids], dtype=float)
        rid = ids[int(rng.choice(len(ids), p=weights / weights.sum()))]
        stream.append(queues[rid].pop(0))
        if not queues[rid]:
            del queues[rid]
    for item in invalid:
        stream.insert(int(rng.integers(1, len(stream))), item)

    # a later record of one rollout names another prompt: the first accepted record decides
    moved = pick("alpha", "ft-1", "p-01", 3)["id"]
    own = [i for i, r in enumerate(stream) if isinstance(r, dict) and r["rollout_id"] == moved]
    stream[own[2]]["prompt_id"] = "p-02"

    # ---- write ----------------------------------------------------------------------------------
    os.makedirs(OUT_DIR, exist_ok=True)
    lines, rejections = [], []
    for item in stream:
        if isinstance(item, tuple):
            raw, reason, what = item
            lines.append(raw)
            rejections.append({"line": len(lines), "reason": reason, "violation": what})
        else:
            lines.append(line(item))
    events_path = os.path.join(OUT_DIR, "events.jsonl")
    with open(events_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(OUT_DIR, "expected-rejections.json"), "w", encoding="utf-8") as f:
        json.dump(rejections, f, indent=2)
        f.write("\n")

    # ---- self-checks ------------------------------------------------------------------------------
    ro_state, by_reason, rejected_lines = ref.process_lines(lines)
    assert rejected_lines == [(r["line"], r["reason"]) for r in rejections], rejected_lines
    assert set(by_reason) == set(ref.REASONS), by_reason
    incomplete = sorted(rid for rid, r in ro_state.items() if not r.complete)
    assert incomplete == sorted([gap["id"], nofinal["id"]]), incomplete
    # completion happens on a rollout's last record: no record arrives after it (no late retries)
    last_line = {}
    for i, raw in enumerate(lines):
        try:
            rec = json.loads(raw)
            last_line[rec["rollout_id"]] = i + 1
        except Exception:
            pass
    states = {}
    for i, raw in enumerate(lines, start=1):
        try:
            rec = ref.parse_record(raw)
        except ref.Rejected:
            continue
        st = states.setdefault(rec["rollout_id"], {"steps": set(), "last": None})
        st["steps"].update(s[0] for s in rec["steps"])
        if rec["final"] and st["last"] is None:
            st["last"] = max(s[0] for s in rec["steps"])
        if st["last"] is not None and st["steps"] >= set(range(st["last"] + 1)):
            assert last_line[rec["rollout_id"]] == i, f"record after completion of {rec['rollout_id']}"
    report = ref.build_report(ro_state, by_reason)
    # rank statistics must not depend on summation order: distinct r values far apart
    for g in report["groups"]:
        rs = sorted(sum(v[0] for v in ro.steps.values()) / (ro.last + 1)
                    for ro in ro_state.values()
                    if ro.complete and (ro.model, ro.release) == (g["model"], g["release"]))
        gaps = np.diff(rs)
        assert np.all(gaps > 1e-6 * np.maximum(1.0, np.abs(rs[1:]))), (g["model"], g["release"])
        assert sum(g["estimators"].values()) == g["tokens"]
    size = os.path.getsize(events_path)
    assert size < 200_000, size

    n_rec = len(lines)
    print(f"wrote {events_path}: {n_rec} lines, {size} bytes, {len(rejections)} rejected, "
          f"{len(incomplete)} abandoned")
    for g in report["groups"]:
        print(f"  {g['model']}/{g['release']}: rollouts={g['rollouts']} prompts={g['prompts']} "
              f"tokens={g['tokens']} abandoned={g['abandoned']} estimators={g['estimators']} "
              f"n_p={[(p['prompt_id'], p['rollouts']) for p in g['per_prompt']]}")
    print("  rejected_by_reason:", dict(sorted(by_reason.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
