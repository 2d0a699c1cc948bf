#!/usr/bin/python3
"""A small GPT-2 trained on the corpus, on CPU, saved as a Hugging Face GPT-2 model folder.

    /usr/bin/python3 scripts/train/gpt.py [--work DIR] [--out DIR] [--minutes M | --steps N]
    /usr/bin/python3 scripts/train/gpt.py --export-only      (the last checkpoint → DIR)

Input: train.ids / valid.ids and DIR/tokenizer.json from bpe.py. The model is GPT-2's block as
Hugging Face writes it (transformers/models/gpt2/modeling_gpt2.py: GPT2Block = ln_1 → attn →
residual → ln_2 → mlp → residual; Conv1D weights stored [in, out]; gelu_new; ln_f; lm_head tied
to wte), 4 layers, d = 64, 4 heads, context 128, no dropout (one pass over the data: it does
not overfit). AdamW (β 0.9/0.95, weight decay 0.1 on matrices), 100 warm-up steps, cosine decay
to a tenth, batch 16 × 128 tokens, torch.set_num_threads(1) (the machine is shared).

Width: d = 64 (16 per head), not the 128 first planned. Niced on a shared 2-core machine this
process got about 6 % of one core, so a 38-minute run is a few hundred CPU-seconds, about a
million tokens; at that compute a smaller model reaches a lower loss (compute-optimal model size
grows with the tokens seen) and takes twice the steps. --embed 128 trains the wider model.

Training windows are random 129-token slices of train.ids. In 40 % of them a span of 8–48
tokens is copied further on in the same window (the rest of the window stays natural text):
repeated text inside the context is what makes an induction head pay off, and a model this small
seeing a few million tokens rarely meets enough of it to form one (Olsson et al. 2022 see them
form after much more data). Validation windows are never altered.

--minutes M (default 38): the schedule runs on wall time (the shared machine's load varies) and
stops after M minutes; the steps done are stored, and `--steps N` runs the same schedule by steps. A checkpoint is written every
100 steps to the work folder (checkpoint.pt); the folder DIR gets config.json and
model.safetensors (F16, with scripts/fixtures/make_model_fixtures.py's writer) at the end, or
from the checkpoint with --export-only. --resume continues from the checkpoint with a new
warm-up + cosine segment of --minutes (or --steps); training.json lists the segments. training.json (work folder) records losses and timing.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'fixtures'))
from make_model_fixtures import round_to, write_safetensors  # noqa: E402

ROOT = os.path.join(HERE, '..', '..')
DEFAULT_WORK = os.path.join(ROOT, '.headlight-work', 'train')
DEFAULT_OUT = os.path.join(ROOT, 'samples', 'model')
SEED = 15
LAYERS, HEADS, CONTEXT = 4, 4, 128
EMBED = 64  # gpt.py --embed; see the docstring for why not 128
BATCH = 16
REPEAT_FRACTION = 0.4


def set_width(embed):
    global EMBED
    EMBED = embed


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Block(torch.nn.Module):
    def __init__(self, E, H):
        super().__init__()
        self.H = H
        self.ln_1 = torch.nn.LayerNorm(E, eps=1e-5)
        self.ln_2 = torch.nn.LayerNorm(E, eps=1e-5)
        # Conv1D layout: weight [in, out]
        self.c_attn_w = torch.nn.Parameter(torch.randn(E, 3 * E) * 0.02)
        self.c_attn_b = torch.nn.Parameter(torch.zeros(3 * E))
        self.c_proj_w = torch.nn.Parameter(torch.randn(E, E) * 0.02 / math.sqrt(2 * LAYERS))
        self.c_proj_b = torch.nn.Parameter(torch.zeros(E))
        self.fc_w = torch.nn.Parameter(torch.randn(E, 4 * E) * 0.02)
        self.fc_b = torch.nn.Parameter(torch.zeros(4 * E))
        self.mlp_proj_w = torch.nn.Parameter(torch.randn(4 * E, E) * 0.02 / math.sqrt(2 * LAYERS))
        self.mlp_proj_b = torch.nn.Parameter(torch.zeros(E))

    def forward(self, x, causal, keep=None):
        B, n, E = x.shape
        D = E // self.H
        qkv = torch.addmm(self.c_attn_b, self.ln_1(x).view(-1, E), self.c_attn_w).view(B, n, 3, self.H, D)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each [B, H, n, D]
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        scores = scores.masked_fill(~causal[:n, :n], torch.finfo(scores.dtype).min)
        probs = torch.softmax(scores, dim=-1)
        if keep is not None:
            keep.append(probs)
        a = (probs @ v).transpose(1, 2).reshape(B * n, E)
        x = x + torch.addmm(self.c_proj_b, a, self.c_proj_w).view(B, n, E)
        h = gelu_new(torch.addmm(self.fc_b, self.ln_2(x).view(-1, E), self.fc_w))
        return x + torch.addmm(self.mlp_proj_b, h, self.mlp_proj_w).view(B, n, E)


class GPT(torch.nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.wte = torch.nn.Parameter(torch.randn(vocab, EMBED) * 0.02)
        self.wpe = torch.nn.Parameter(torch.randn(CONTEXT, EMBED) * 0.01)
        self.blocks = torch.nn.ModuleList([Block(EMBED, HEADS) for _ in range(LAYERS)])
        self.ln_f = torch.nn.LayerNorm(EMBED, eps=1e-5)
        self.register_buffer('causal', torch.tril(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool)), persistent=False)

    def forward(self, ids, keep=None):
        n = ids.shape[1]
        x = self.wte[ids] + self.wpe[:n]
        for block in self.blocks:
            x = block(x, self.causal, keep)
        return self.ln_f(x) @ self.wte.t()

    def hf_state(self):
        """The tensors under Hugging Face GPT2LMHeadModel's names (lm_head tied, not saved)."""
        p = 'transformer.'
        sd = {p + 'wte.weight': self.wte, p + 'wpe.weight': self.wpe, p + 'ln_f.weight': self.ln_f.weight, p + 'ln_f.bias': self.ln_f.bias}
        for i, b in enumerate(self.blocks):
            h = f'{p}h.{i}.'
            sd.update({
                h + 'ln_1.weight': b.ln_1.weight, h + 'ln_1.bias': b.ln_1.bias,
                h + 'attn.c_attn.weight': b.c_attn_w, h + 'attn.c_attn.bias': b.c_attn_b,
                h + 'attn.c_proj.weight': b.c_proj_w, h + 'attn.c_proj.bias': b.c_proj_b,
                h + 'ln_2.weight': b.ln_2.weight, h + 'ln_2.bias': b.ln_2.bias,
                h + 'mlp.c_fc.weight': b.fc_w, h + 'mlp.c_fc.bias': b.fc_b,
                h + 'mlp.c_proj.weight': b.mlp_proj_w, h + 'mlp.c_proj.bias': b.mlp_proj_b,
            })
        return {k: v.detach() for k, v in sd.items()}


def hf_config(vocab, eot):
    return {
        'activation_function': 'gelu_new', 'architectures': ['GPT2LMHeadModel'], 'attn_pdrop': 0.0,
        'bos_token_id': eot, 'embd_pdrop': 0.0, 'eos_token_id': eot, 'initializer_range': 0.02,
        'layer_norm_epsilon': 1e-05, 'model_type': 'gpt2', 'n_ctx': CONTEXT, 'n_embd': EMBED, 'n_head': HEADS,
        'n_inner': None, 'n_layer': LAYERS, 'n_positions': CONTEXT, 'reorder_and_upcast_attn': False,
        'resid_pdrop': 0.0, 'scale_attn_by_inverse_layer_idx': False, 'scale_attn_weights': True,
        'summary_activation': None, 'summary_first_dropout': 0.0, 'summary_proj_to_labels': True,
        'summary_type': 'cls_index', 'summary_use_proj': True, 'tie_word_embeddings': True, 'torch_dtype': 'float16',
        'transformers_version': '4.44.2', 'use_cache': True, 'vocab_size': vocab,
    }


def export(model, vocab, eot, out):
    os.makedirs(out, exist_ok=True)
    encoded = {}
    for name, t in model.hf_state().items():
        _, data = round_to(t, 'F16')
        encoded[name] = ('F16', tuple(t.shape), data)
    write_safetensors(os.path.join(out, 'model.safetensors'), encoded, {'format': 'pt'})
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(hf_config(vocab, eot), f, indent=2, sort_keys=True)
        f.write('\n')


def load_ids(work, split):
    return torch.from_numpy(np.fromfile(os.path.join(work, split + '.ids'), dtype=np.uint16).astype(np.int64))


def batch(data, rng):
    starts = rng.integers(0, len(data) - CONTEXT - 1, BATCH)
    x = torch.stack([data[s:s + CONTEXT + 1] for s in starts]).clone()
    for row in range(BATCH):
        if rng.random() < REPEAT_FRACTION:
            span = int(rng.integers(8, 49))
            first = int(rng.integers(0, CONTEXT + 1 - 2 * span))
            second = int(rng.integers(first + span, CONTEXT + 2 - span))
            x[row, second:second + span] = x[row, first:first + span].clone()
    return x[:, :-1], x[:, 1:]


@torch.no_grad()
def validation_loss(model, valid, max_windows=None):
    n = (len(valid) - 1) // CONTEXT
    if max_windows:
        n = min(n, max_windows)
    total, count = 0.0, 0
    for i in range(0, n, 32):
        rows = range(i, min(n, i + 32))
        x = torch.stack([valid[r * CONTEXT:(r + 1) * CONTEXT] for r in rows])
        y = torch.stack([valid[r * CONTEXT + 1:(r + 1) * CONTEXT + 1] for r in rows])
        loss = torch.nn.functional.cross_entropy(model(x).view(-1, model.wte.shape[0]), y.reshape(-1), reduction='sum')
        total += float(loss)
        count += y.numel()
    return total / count


def lr_at(step, progress, peak):
    """Linear warm-up over 100 steps, then cosine from peak to peak / 10 as progress goes 0 → 1."""
    if step < 100:
        return peak * (step + 1) / 100
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work', default=DEFAULT_WORK)
    parser.add_argument('--out', default=DEFAULT_OUT)
    parser.add_argument('--minutes', type=float, default=38)
    parser.add_argument('--embed', type=int, default=64)
    parser.add_argument('--steps', type=int, default=None)
    parser.add_argument('--lr', type=float, default=3e-3)
    parser.add_argument('--export-only', action='store_true')
    parser.add_argument('--resume', action='store_true', help='continue from checkpoint.pt: a new warm-up + cosine segment')
    args = parser.parse_args()
    set_width(args.embed)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    with open(os.path.join(args.out, 'tokenizer.json'), encoding='utf-8') as f:
        vocab = json.load(f)['model']['vocab']
    V = len(vocab)
    eot = vocab['<|endoftext|>']
    model = GPT(V)
    checkpoint = os.path.join(args.work, 'checkpoint.pt')
    if args.export_only:
        model.load_state_dict(torch.load(checkpoint)['model'])
        export(model, V, eot, args.out)
        return
    train, valid = load_ids(args.work, 'train'), load_ids(args.work, 'valid')
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': other, 'weight_decay': 0.0}], lr=args.lr, betas=(0.9, 0.95))
    budget = args.minutes * 60
    history = []
    done = 0  # steps of earlier segments (--resume)
    segments = []
    if args.resume:
        state = torch.load(checkpoint)
        model.load_state_dict(state['model'])
        if 'optimizer' in state:
            opt.load_state_dict(state['optimizer'])
        with open(os.path.join(args.work, 'training.json')) as f:
            earlier = json.load(f)
        history, done = earlier['history'], earlier['steps']
        segments = earlier.get('segments', [{'steps': done, 'minutes': earlier.get('minutes'), 'lr': earlier['lr']}])
        rng = np.random.default_rng(SEED + done)  # fresh windows, not the first segment's again
    began = time.time()

    def progress(step):
        # By steps when --steps is given; else by wall time (the machine's load varies), and the
        # steps the time allowed are recorded so that --steps reproduces the run's schedule.
        return step / args.steps if args.steps else (time.time() - began) / budget

    def save(step, final):
        entry = {'step': done + step + 1, 'trainLoss': float(loss), 'seconds': round(time.time() - began)}
        if final or step % 500 == 499:
            entry['validLoss'] = validation_loss(model, valid, None if final else 64)
            print(f'  valid {entry["validLoss"]:.3f}', flush=True)
        history.append(entry)
        torch.save({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'step': done + step + 1}, checkpoint)
        export(model, V, eot, args.out)
        with open(os.path.join(args.work, 'training.json'), 'w') as f:
            json.dump({'steps': done + step + 1, 'segments': segments + [{'steps': step + 1, 'minutes': args.minutes, 'lr': args.lr}], 'batch': BATCH, 'context': CONTEXT, 'lr': args.lr, 'seed': SEED,
                       'repeatFraction': REPEAT_FRACTION, 'trainTokens': len(train), 'minutes': args.minutes,
                       'history': history}, f, indent=1)

    step = 0
    while progress(step) < 1:
        lr = lr_at(step, progress(step), args.lr)
        for group in opt.param_groups:
            group['lr'] = lr
        x, y = batch(train, rng)
        loss = torch.nn.functional.cross_entropy(model(x).view(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0:
            print(f'step {step} loss {float(loss):.3f} lr {lr:.2e} {time.time() - began:.0f}s', flush=True)
        if step % 100 == 99:
            save(step, False)
        step += 1
    save(step - 1, True)


if __name__ == '__main__':
    main()
