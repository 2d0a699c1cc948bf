#!/usr/bin/python3
"""Peer measurement for bench/emb.bench.ts and bench/embBinary.bench.ts: gensim KeyedVectors on
the same file — a GloVe-format text file (no header), or with --binary a word2vec binary file.

Usage: /usr/bin/python3 bench/peers/gensim_kv.py FILE QUERIES_JSON [TOPN] [--binary]
QUERIES_JSON holds a list of words. Prints one JSON object on stdout:
  { "load_s": seconds for load_word2vec_format, "load_cpu_s": process CPU seconds of it,
    "query_ms": [per query, after one warm-up], "query_cpu_ms": [process CPU time per query],
    "neighbors": { word: [[token, score], ...] }, "peak_rss_mb": peak resident set of the process }
CPU times come from time.process_time() (all threads of the process, so BLAS threads count).
"""
import json
import resource
import sys
import time

from gensim.models import KeyedVectors


def main() -> None:
    binary = '--binary' in sys.argv
    args = [a for a in sys.argv[1:] if a != '--binary']
    path, queries_path = args[0], args[1]
    topn = int(args[2]) if len(args) > 2 else 10
    with open(queries_path, encoding="utf-8") as f:
        words = json.load(f)
    start, start_cpu = time.perf_counter(), time.process_time()
    if binary:
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
    else:
        kv = KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)
    load_s, load_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    # Warm-up: the first most_similar call computes the unit-normalised copy of every vector.
    kv.most_similar(words[0], topn=topn)
    query_ms = []
    query_cpu_ms = []
    neighbors = {}
    for word in words:
        t0, c0 = time.perf_counter(), time.process_time()
        result = kv.most_similar(word, topn=topn)
        query_ms.append((time.perf_counter() - t0) * 1000)
        query_cpu_ms.append((time.process_time() - c0) * 1000)
        neighbors[word] = [[token, float(score)] for token, score in result]
    json.dump({"load_s": load_s, "load_cpu_s": load_cpu_s, "query_ms": query_ms,
               "query_cpu_ms": query_cpu_ms, "neighbors": neighbors,
               "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, sys.stdout)


if __name__ == "__main__":
    main()
