"""PyTorch peer of bench/model.bench.ts: a GPT-2 forward pass with every attention matrix kept.

There is no `transformers` package here, so this is GPT-2 written in torch line by line after
transformers' models/gpt2/modeling_gpt2.py, eval mode (dropout off), eager attention:
  GPT2Model.forward       inputs_embeds = wte(ids); hidden = inputs_embeds + wpe(arange(n))
  GPT2Block.forward       h = h + attn(ln_1(h)); h = h + mlp(ln_2(h))
  GPT2Attention.forward   q, k, v = c_attn(h).split(E, dim=2); _split_heads → [1, H, n, D]
  GPT2Attention._attn     w = q @ kᵀ / sqrt(D) (scale_attn_weights); causal mask with
                          torch.finfo(dtype).min; softmax(dim=-1); w @ v; the weights are what
                          output_attentions=True returns
  Conv1D.forward          torch.addmm(bias, x.view(-1, in), weight), weight stored [in, out]
  GPT2MLP.forward         c_proj(NewGELUActivation(c_fc(h)))  (gelu_new: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))))
  ln_f, then GPT2LMHeadModel.lm_head (tied to wte): logits.
Logits: HF computes them at every position; Headlight needs (and computes) only the last one's
next-token distribution, so by default this peer does the same work ('last'). Ask for
"logits": "all" to time what GPT2LMHeadModel.forward itself computes.

Weights come from the checkpoint the bench generated (bench/gpt2Checkpoint.ts), read with numpy
straight from model.safetensors (8-byte header length, JSON header, raw little-endian data).

Protocol (like torch_mha.py): started as `/usr/bin/python3 bench/peers/torch_gpt2.py DIR`, prints
one JSON line (torch version, BLAS library and OpenBLAS core), then answers each JSON line
{"n": 512, "threads": 1, "min_seconds": 1.0, "logits": "last"} with one JSON line: wall times of
each forward pass (ms), CPU time / wall time, and the top-5 next tokens at the last position.
"""
import ctypes
import json
import math
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def loaded_blas() -> str:
    try:
        with open('/proc/self/maps', encoding='utf-8') as maps:
            paths = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
        return ', '.join(sorted(paths)) or 'none found'
    except OSError:
        return 'unknown'


def openblas_core(blas: str) -> str:
    """OpenBLAS's kernel family (e.g. 'SkylakeX', 'Zen'): what OPENBLAS_CORETYPE would force."""
    for path in blas.split(', '):
        if 'openblas' in path:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode()
            except (OSError, AttributeError):
                return 'unknown'
    return 'not OpenBLAS'


def openblas_library(blas: str):
    """The loaded OpenBLAS, or None. Debian's torch links the generic libblas.so.3, so
    torch.set_num_threads does not reach OpenBLAS's own thread pool: without this, a "1-thread"
    torch still ran its products on both cores (CPU time / wall time 1.93-1.99 on 2 cores)."""
    for path in blas.split(', '):
        if 'openblas' in path:
            try:
                return ctypes.CDLL(path)
            except OSError:
                return None
    return None


def set_threads(threads: int, blas_lib) -> None:
    torch.set_num_threads(threads)
    if blas_lib is not None and hasattr(blas_lib, 'openblas_set_num_threads'):
        blas_lib.openblas_set_num_threads(threads)


def read_safetensors(path: str) -> dict:
    with open(path, 'rb') as f:
        (length,) = struct.unpack('<Q', f.read(8))
        header = json.loads(f.read(length))
    data = np.memmap(path, dtype=np.uint8, mode='r', offset=8 + length)
    dtypes = {'F32': np.float32, 'F16': np.float16, 'BF16': None}
    out = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        np_dtype = dtypes[entry['dtype']]
        if np_dtype is None:
            raise SystemExit(f'{name}: BF16 is not read by this peer')
        array = np.frombuffer(data[begin:end], dtype=np_dtype).reshape(entry['shape'])
        out[name] = torch.from_numpy(array.astype(np.float32))
    return out


class Gpt2:
    def __init__(self, directory: str):
        with open(f'{directory}/config.json', encoding='utf-8') as f:
            config = json.load(f)
        self.layers = config['n_layer']
        self.heads = config['n_head']
        self.hidden = config['n_embd']
        self.eps = config['layer_norm_epsilon']
        w = read_safetensors(f'{directory}/model.safetensors')
        p = 'transformer.' if 'transformer.wte.weight' in w else ''
        self.wte, self.wpe = w[p + 'wte.weight'], w[p + 'wpe.weight']
        self.blocks = [{key: w[f'{p}h.{i}.{key}'] for key in (
            'ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
            'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias')}
            for i in range(self.layers)]
        self.ln_f = (w[p + 'ln_f.weight'], w[p + 'ln_f.bias'])
        n_positions = config['n_positions']
        # GPT2Attention's registered `bias` buffer: the lower-triangular causal mask.
        self.causal = torch.tril(torch.ones((n_positions, n_positions), dtype=torch.bool)).view(1, 1, n_positions, n_positions)

    @staticmethod
    def conv1d(x, weight, bias):
        # Conv1D.forward: size_out = x.size()[:-1] + (nf,); torch.addmm(bias, x.view(-1, x.size(-1)), weight)
        size_out = x.size()[:-1] + (weight.size(1),)
        return torch.addmm(bias, x.view(-1, x.size(-1)), weight).view(size_out)

    def split_heads(self, x):
        # GPT2Attention._split_heads: [1, n, E] → [1, H, n, D]
        new_shape = x.size()[:-1] + (self.heads, self.hidden // self.heads)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def attn(self, q, k, v):
        # GPT2Attention._attn (eager)
        w = torch.matmul(q, k.transpose(-1, -2))
        w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype, device=w.device)
        n = q.size(-2)
        causal_mask = self.causal[:, :, :n, :n]
        mask_value = torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype, device=w.device)
        w = torch.where(causal_mask, w.to(w.dtype), mask_value)
        w = F.softmax(w, dim=-1)
        return torch.matmul(w, v), w

    @staticmethod
    def gelu_new(x):
        # NewGELUActivation
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

    def forward(self, ids, logits: str):
        n = ids.size(-1)
        hidden = self.wte[ids] + self.wpe[torch.arange(0, n)]
        attentions = []
        for b in self.blocks:
            residual = hidden
            h = F.layer_norm(hidden, (self.hidden,), b['ln_1.weight'], b['ln_1.bias'], self.eps)
            q, k, v = self.conv1d(h, b['attn.c_attn.weight'], b['attn.c_attn.bias']).split(self.hidden, dim=2)
            out, weights = self.attn(self.split_heads(q), self.split_heads(k), self.split_heads(v))
            attentions.append(weights)
            out = out.permute(0, 2, 1, 3).contiguous().view(1, n, self.hidden)  # _merge_heads
            hidden = residual + self.conv1d(out, b['attn.c_proj.weight'], b['attn.c_proj.bias'])
            residual = hidden
            h = F.layer_norm(hidden, (self.hidden,), b['ln_2.weight'], b['ln_2.bias'], self.eps)
            h = self.conv1d(self.gelu_new(self.conv1d(h, b['mlp.c_fc.weight'], b['mlp.c_fc.bias'])), b['mlp.c_proj.weight'], b['mlp.c_proj.bias'])
            hidden = residual + h
        hidden = F.layer_norm(hidden, (self.hidden,), self.ln_f[0], self.ln_f[1], self.eps)
        rows = hidden if logits == 'all' else hidden[:, -1:, :]
        return torch.matmul(rows, self.wte.t()), attentions


def ids_for(n: int, vocab: int):
    # The same ids as bench/model.bench.ts: (i · 7919) mod V.
    return torch.tensor([[(i * 7919) % vocab for i in range(n)]], dtype=torch.long)


def time_forward(model: Gpt2, n: int, threads: int, min_seconds: float, logits: str, blas_lib) -> dict:
    set_threads(threads, blas_lib)
    ids = ids_for(n, model.wte.size(0))
    with torch.no_grad():
        start = time.perf_counter()
        warm = 0
        while warm < 1 or time.perf_counter() - start < 0.3:
            model.forward(ids, logits)
            warm += 1
        times, cpu = [], []
        start = time.perf_counter()
        while len(times) < 3 or (time.perf_counter() - start < min_seconds and len(times) < 50):
            t0, c0 = time.perf_counter(), time.process_time()
            result, attentions = model.forward(ids, logits)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    last = result[0, -1].double()
    p = torch.softmax(last, dim=-1)
    top = torch.topk(p, 5)
    return {
        'n': n, 'threads': torch.get_num_threads(), 'logits': logits, 'times_ms': [t * 1e3 for t in times],
        'median_ms': statistics.median(times) * 1e3, 'cpu_per_wall': sum(cpu) / sum(times),
        'attentions': len(attentions), 'attention_shape': list(attentions[0].shape),
        'top': [{'id': int(i), 'p': float(v)} for v, i in zip(top.values, top.indices)],
    }


def main() -> None:
    model = Gpt2(sys.argv[1])
    blas = loaded_blas()
    blas_lib = openblas_library(blas)
    print(json.dumps({'torch': torch.__version__, 'blas': blas, 'openblas_core': openblas_core(blas)}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        r = json.loads(line)
        print(json.dumps(time_forward(model, int(r['n']), int(r.get('threads', 1)), float(r.get('min_seconds', 1.0)), r.get('logits', 'last'), blas_lib)), flush=True)


if __name__ == '__main__':
    main()
