#!/usr/bin/python3
"""Measures the shipped model: validation loss against n-gram baselines, and what every head does.

    /usr/bin/python3 scripts/train/heads.py [--work DIR] [--model DIR]

Reads the model folder as shipped (config.json, model.safetensors F16 → float32) and runs it with
the reference forward pass of scripts/fixtures/make_model_fixtures.py (gpt2_forward, which
follows Hugging Face's modeling_gpt2.py line by line), not with the training code; the training
code's batched model is run on the same weights too and must give the same logits (a check of the
export's names and layouts).

Per head (layer l, head h; A = the post-softmax attention, rows are queries):
  previous-token score  mean over the probe windows and positions i ≥ 1 of A[i, i−1]
  first-token score     mean over the same of A[i, 0] (an attention sink puts its weight there)
  induction score       on R sequences [<|endoftext|>, r₀ … r_{S−1}, r₀ … r_{S−1}] of S random
                        tokens: mean over j = 0 … S−2 of A[1+S+j, 2+j] — from the second
                        occurrence of r_j to the token that followed its first occurrence
                        (Olsson et al. 2022, "In-context learning and induction heads")
The probe windows are the first W validation windows of 128 tokens. Their ids and the random
sequences' ids are stored with the scores, so a test can rerun them through another engine.

Losses (nats per token, on every validation window of 128 tokens, the same targets for all):
  model, bigram (train counts; P(b|a) = (c(a,b) + α·P(b)) / (c(a) + α), α the best of a small
  grid on validation, which favours the baseline), unigram (add-one).
Writes DIR/measurements.json and prints the README's table.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'fixtures'))
sys.path.insert(0, HERE)
from make_model_fixtures import gpt2_forward  # noqa: E402
import gpt  # noqa: E402

ROOT = os.path.join(HERE, '..', '..')
DEFAULT_WORK = os.path.join(ROOT, '.headlight-work', 'train')
DEFAULT_MODEL = os.path.join(ROOT, 'samples', 'model')
SEED = 15
WINDOWS = 8
RANDOM_SEQUENCES = 8
REPEAT = 40
QUALIFIES = 0.4


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack_from('<Q', data, 0)
    header = json.loads(data[8:8 + length])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        assert info['dtype'] == 'F16', (name, info['dtype'])
        start, end = info['data_offsets']
        values = np.frombuffer(data, dtype='<f2', count=(end - start) // 2, offset=8 + length + start)
        out[name] = torch.from_numpy(values.astype(np.float32).reshape(info['shape']))
    return out


class Recorder:
    def __init__(self):
        self.weights = []

    def record(self, layer, scores, probs, q, k):
        self.weights.append(probs)


def attentions(sd, cfg, ids):
    rec = Recorder()
    out = gpt2_forward(sd, cfg, ids, rec, 'transformer.')
    return torch.stack(rec.weights), out['logitsLast']  # [L, H, n, n]


def training_model(sd, vocab, embed):
    gpt.set_width(embed)
    model = gpt.GPT(vocab)
    p = 'transformer.'
    with torch.no_grad():
        model.wte.copy_(sd[p + 'wte.weight'])
        model.wpe.copy_(sd[p + 'wpe.weight'])
        model.ln_f.weight.copy_(sd[p + 'ln_f.weight'])
        model.ln_f.bias.copy_(sd[p + 'ln_f.bias'])
        for i, b in enumerate(model.blocks):
            h = f'{p}h.{i}.'
            for param, name in ((b.ln_1.weight, 'ln_1.weight'), (b.ln_1.bias, 'ln_1.bias'), (b.c_attn_w, 'attn.c_attn.weight'),
                                (b.c_attn_b, 'attn.c_attn.bias'), (b.c_proj_w, 'attn.c_proj.weight'), (b.c_proj_b, 'attn.c_proj.bias'),
                                (b.ln_2.weight, 'ln_2.weight'), (b.ln_2.bias, 'ln_2.bias'), (b.fc_w, 'mlp.c_fc.weight'),
                                (b.fc_b, 'mlp.c_fc.bias'), (b.mlp_proj_w, 'mlp.c_proj.weight'), (b.mlp_proj_b, 'mlp.c_proj.bias')):
                param.copy_(sd[h + name])
    return model


def baselines(train, valid_x, valid_y, V):
    uni = np.bincount(train, minlength=V).astype(np.float64) + 1
    uni /= uni.sum()
    pair = train[:-1].astype(np.int64) * V + train[1:]
    counts = np.bincount(pair, minlength=V * V).reshape(V, V).astype(np.float64)
    row = counts.sum(1)
    x, y = valid_x.reshape(-1), valid_y.reshape(-1)
    unigram = float(-np.log(uni[y]).mean())
    best = None
    for alpha in (0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000):
        p = (counts[x, y] + alpha * uni[y]) / (row[x] + alpha)
        loss = float(-np.log(p).mean())
        if best is None or loss < best[0]:
            best = (loss, alpha)
    return unigram, best


def table(m):
    lines = ['| head | previous-token | induction | first-token |', '|---|---:|---:|---:|']
    for entry in m['heads']:
        lines.append(f"| L{entry['layer']} H{entry['head']} | {entry['previousToken']:.3f} | {entry['induction']:.3f} | {entry['firstToken']:.3f} |")
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work', default=DEFAULT_WORK)
    parser.add_argument('--model', default=DEFAULT_MODEL)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.model, 'config.json')) as f:
        cfg = json.load(f)
    sd = read_safetensors(os.path.join(args.model, 'model.safetensors'))
    V, L, H, C = cfg['vocab_size'], cfg['n_layer'], cfg['n_head'], cfg['n_positions']
    eot = cfg['eos_token_id']
    train = np.fromfile(os.path.join(args.work, 'train.ids'), dtype=np.uint16).astype(np.int64)
    valid = np.fromfile(os.path.join(args.work, 'valid.ids'), dtype=np.uint16).astype(np.int64)
    n = (len(valid) - 1) // C
    valid_x = np.stack([valid[r * C:(r + 1) * C] for r in range(n)])
    valid_y = np.stack([valid[r * C + 1:(r + 1) * C + 1] for r in range(n)])

    # 1. Losses: the shipped weights in the training code's batched model, checked against the
    #    reference forward on the first window.
    model = training_model(sd, V, cfg['n_embd'])
    model_loss = gpt.validation_loss(model, torch.from_numpy(valid))
    with torch.no_grad():
        batched = model(torch.from_numpy(valid_x[:1]))[0, -1]
    _, reference_last = attentions(sd, cfg, valid_x[0].tolist())
    drift = float((batched - torch.tensor(reference_last)).abs().max())
    assert drift < 1e-3, f'the training model and the reference forward disagree by {drift}'
    unigram, (bigram, alpha) = baselines(train, valid_x, valid_y, V)

    # 2. Heads.
    rng = np.random.default_rng(SEED)
    assert n >= 1, 'the validation split is shorter than one window'
    probes = [valid_x[i].tolist() for i in range(min(WINDOWS, n))]
    randoms = []
    for _ in range(RANDOM_SEQUENCES):
        r = rng.integers(0, V, REPEAT * 3)
        r = [int(t) for t in r if t != eot][:REPEAT]
        randoms.append([eot] + r + r)
    prev = torch.zeros(L, H)
    first = torch.zeros(L, H)
    for ids in probes:
        a, _ = attentions(sd, cfg, ids)
        i = torch.arange(1, len(ids))
        prev += a[:, :, i, i - 1].mean(-1) / len(probes)
        first += a[:, :, 1:, 0].mean(-1) / len(probes)
    induction = torch.zeros(L, H)
    for ids in randoms:
        a, _ = attentions(sd, cfg, ids)
        j = torch.arange(0, REPEAT - 1)
        induction += a[:, :, 1 + REPEAT + j, 2 + j].mean(-1) / len(randoms)
    heads = [{'layer': l, 'head': h, 'previousToken': round(float(prev[l, h]), 4), 'induction': round(float(induction[l, h]), 4),
              'firstToken': round(float(first[l, h]), 4)} for l in range(L) for h in range(H)]

    def best(key):
        top = max(heads, key=lambda e: e[key])
        return {'layer': top['layer'], 'head': top['head'], 'score': top[key]}

    training = {}
    training_file = os.path.join(args.work, 'training.json')
    if os.path.exists(training_file):
        with open(training_file) as f:
            t = json.load(f)
        training = {k: t[k] for k in ('steps', 'batch', 'context', 'lr', 'seed', 'repeatFraction', 'trainTokens', 'minutes') if k in t}
        training['tokensSeen'] = t['steps'] * t['batch'] * t['context']
        training['seconds'] = t['history'][-1]['seconds'] if t['history'] else None
    m = {
        'model': os.path.basename(os.path.abspath(args.model)),
        'losses': {'model': round(model_loss, 4), 'bigram': round(bigram, 4), 'bigramAlpha': alpha, 'unigram': round(unigram, 4),
                   'validTokens': int(valid_y.size)},
        'training': training,
        'threshold': QUALIFIES,
        'previousTokenHeads': [f"L{e['layer']} H{e['head']}" for e in heads if e['previousToken'] > QUALIFIES],
        'inductionHeads': [f"L{e['layer']} H{e['head']}" for e in heads if e['induction'] > QUALIFIES],
        'firstTokenHeads': [f"L{e['layer']} H{e['head']}" for e in heads if e['firstToken'] > QUALIFIES],
        'best': {'previousToken': best('previousToken'), 'induction': best('induction'), 'firstToken': best('firstToken')},
        'heads': heads,
        'probes': {'previousToken': probes, 'induction': randoms, 'repeat': REPEAT},
    }
    with open(os.path.join(args.model, 'measurements.json'), 'w') as f:
        json.dump(m, f, separators=(',', ':'))
        f.write('\n')
    print(json.dumps({k: v for k, v in m.items() if k not in ('heads', 'probes')}, indent=1))
    print(table(m))


if __name__ == '__main__':
    main()
