"""PyTorch peer of bench/attention.bench.ts: nn.MultiheadAttention forward, one thread.

Protocol (so the bench can alternate rounds of ours and theirs under the same machine load):
started as `/usr/bin/python3 bench/peers/torch_mha.py`, it prints one JSON line describing itself
(torch version, threads, the BLAS library actually loaded), then answers each JSON line
{"n": 512, "E": 768, "h": 12, "min_seconds": 0.5} on stdin with one JSON line: the median and
best wall time of a forward pass (need_weights=True, average_attn_weights=False, eval, no grad),
measured after warm-up exactly like the TypeScript side. It exits at end of input.
"""
import json
import statistics
import sys
import time

import torch


def loaded_blas() -> str:
    """The BLAS shared objects this process mapped (Debian's torch links the generic libblas.so.3,
    which the alternatives system points at OpenBLAS or at the slow reference BLAS)."""
    try:
        with open('/proc/self/maps', encoding='utf-8') as maps:
            paths = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
        return ', '.join(sorted(paths)) or 'none found'
    except OSError:
        return 'unknown'


_cases = {}


def case(n: int, embed: int, heads: int):
    key = (n, embed, heads)
    if key not in _cases:
        torch.manual_seed(0)
        module = torch.nn.MultiheadAttention(embed, heads).eval()
        x = torch.rand(n, 1, embed) * 2 - 1  # (sequence, batch = 1, embedding)
        _cases[key] = (module, x)
    return _cases[key]


def time_forward(n: int, embed: int, heads: int, min_seconds: float) -> dict:
    module, x = case(n, embed, heads)

    def forward():
        return module(x, x, x, need_weights=True, average_attn_weights=False)

    with torch.no_grad():
        # Warm-up: at least 3 runs and 0.2 s, so allocator and caches are settled.
        start = time.perf_counter()
        warm = 0
        while warm < 3 or time.perf_counter() - start < 0.2:
            forward()
            warm += 1
        times = []
        start = time.perf_counter()
        while len(times) < 5 or (time.perf_counter() - start < min_seconds and len(times) < 200):
            t0 = time.perf_counter()
            forward()
            times.append(time.perf_counter() - t0)
    return {
        'n': n, 'E': embed, 'h': heads, 'times_ms': [t * 1e3 for t in times],
        'median_ms': statistics.median(times) * 1e3, 'best_ms': min(times) * 1e3,
    }


def main() -> None:
    torch.set_num_threads(1)
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': loaded_blas()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        result = time_forward(int(request['n']), int(request['E']), int(request['h']), float(request.get('min_seconds', 0.5)))
        print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
