"""PyTorch peer of bench/attention.bench.ts: nn.MultiheadAttention forward, one thread.

Usage: /usr/bin/python3 bench/peers/torch_mha.py '{"sizes": [[16, 100, 4], ...], "min_seconds": 1.0}'
Prints one JSON object: torch version, the BLAS library actually loaded, and per size the median
and best wall time of a forward pass (need_weights=True, average_attn_weights=False, no grad),
measured after warm-up exactly like the TypeScript side.
"""
import json
import statistics
import sys
import time

import torch


def loaded_blas() -> str:
    """The BLAS shared object this process mapped (Debian's torch links the generic libblas.so.3,
    which the alternatives system points at OpenBLAS or at the slow reference BLAS)."""
    try:
        with open('/proc/self/maps', encoding='utf-8') as maps:
            paths = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
        return ', '.join(sorted(paths)) or 'none found'
    except OSError:
        return 'unknown'


def time_forward(n: int, embed: int, heads: int, min_seconds: float) -> dict:
    torch.manual_seed(0)
    module = torch.nn.MultiheadAttention(embed, heads).eval()
    x = torch.rand(n, 1, embed) * 2 - 1  # (sequence, batch = 1, embedding)

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
        'n': n, 'E': embed, 'h': heads, 'runs': len(times),
        'median_ms': statistics.median(times) * 1e3, 'best_ms': min(times) * 1e3,
    }


def main() -> None:
    config = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    results = [time_forward(n, e, h, float(config.get('min_seconds', 1.0))) for n, e, h in config['sizes']]
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': loaded_blas(),
        'results': results,
    }))


if __name__ == '__main__':
    main()
