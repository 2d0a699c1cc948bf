#!/usr/bin/python3
"""Word vectors for the embedded default: fastText skipgram with subwords on the corpus, pruned to
the most frequent words and written as a real fastText .bin that Headlight (and fastText, and
gensim's load_facebook_vectors) reads.

    /usr/bin/python3 scripts/train/vectors.py [--work DIR] [--out FILE] [--words N] [--epoch E]

Steps:
  1. words.txt: the corpus's train.txt (corpus.py) lower-cased and cut into words
     ([a-z]+ with inner apostrophes and hyphens), one document per line.
  2. Debian's fastText CLI: `fasttext skipgram -dim 32 -minn 3 -maxn 6 -bucket 4000 -thread 1 ...`
     (one thread: the machine is shared). The small -dim and -bucket are the size decision: the
     shipped file is (words + buckets) × dim float32.
  3. The .bin fastText wrote is read (layout: fastText's src/fasttext.cc saveModel, args.cc,
     dictionary.cc save, densematrix.cc save) and rewritten with the first N dictionary entries
     (fastText sorts words by count, most frequent first), their input rows, every bucket row,
     and an empty (0 × dim) output matrix: the output matrix only serves training and
     predictions, which the shipped file is not for. A word outside the N is then out of
     vocabulary and gets the mean of its n-gram rows, as fastText and gensim give any OOV word.
  4. Neighbours, from fastText's own `fasttext nn` on the written file (the independent
     reference the tests compare with): vectors.json beside the .bin.
"""
import argparse
import json
import os
import re
import struct
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
DEFAULT_WORK = os.path.join(ROOT, '.headlight-work', 'train')
DEFAULT_OUT = os.path.join(ROOT, 'samples', 'words.bin')
WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*")
FASTTEXT_MAGIC = 793712314
PROBES = ['cat', 'king', 'water', 'tired', 'because', 'computer', 'red', 'happy', 'sat', 'mat', 'walked', 'catlike']
SENTENCE = 'The cat sat on the mat because it was tired.'


def words_file(work):
    src = os.path.join(work, 'train.txt')
    dst = os.path.join(work, 'words.txt')
    with open(src, encoding='utf-8') as f, open(dst, 'w', encoding='utf-8') as g:
        for line in f:
            g.write(' '.join(WORD.findall(line.lower())) + '\n')
    return dst


def train(work, words, dim, bucket, epoch):
    prefix = os.path.join(work, 'skipgram')
    subprocess.run(['nice', '-n', '10', 'fasttext', 'skipgram', '-input', words, '-output', prefix,
                    '-dim', str(dim), '-minn', '3', '-maxn', '6', '-bucket', str(bucket), '-epoch', str(epoch),
                    '-minCount', '3', '-ws', '5', '-neg', '5', '-thread', '1', '-verbose', '1'], check=True)
    return prefix + '.bin'


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        values = struct.unpack_from('<' + fmt, self.data, self.at)
        self.at += struct.calcsize('<' + fmt)
        return values

    def word(self):
        end = self.data.index(b'\0', self.at)
        w = self.data[self.at:end]
        self.at = end + 1
        return w


def read_bin(path):
    """fastText .bin → (args bytes, dictionary entries, ntokens, input matrix bytes by row, dim, bucket)."""
    with open(path, 'rb') as f:
        data = f.read()
    r = Reader(data)
    magic, version = r.take('ii')
    assert magic == FASTTEXT_MAGIC and version == 12, (magic, version)
    args_at = r.at
    ints = r.take('12i')
    r.take('d')
    args = data[args_at:r.at]
    dim, bucket = ints[0], ints[8]
    size, nwords, nlabels, ntokens, pruneidx = r.take('iiiqq')
    assert nlabels == 0 and pruneidx == -1 and size == nwords
    entries = []
    for _ in range(size):
        w = r.word()
        count, kind = r.take('qb')
        entries.append((w, count, kind))
    (quant,) = r.take('?')
    rows, cols = r.take('qq')
    assert not quant and cols == dim and rows == nwords + bucket
    matrix = data[r.at:r.at + rows * cols * 4]
    return args, entries, ntokens, matrix, dim, bucket


def write_pruned(path, args, entries, ntokens, matrix, dim, bucket, keep):
    row = dim * 4
    kept = entries[:keep]
    with open(path, 'wb') as f:
        f.write(struct.pack('<ii', FASTTEXT_MAGIC, 12))
        f.write(args)
        f.write(struct.pack('<iiiqq', len(kept), len(kept), 0, ntokens, -1))
        for w, count, kind in kept:
            f.write(w + b'\0' + struct.pack('<qb', count, kind))
        f.write(struct.pack('<?qq', False, len(kept) + bucket, dim))
        f.write(matrix[:len(kept) * row])
        f.write(matrix[len(entries) * row:(len(entries) + bucket) * row])
        f.write(struct.pack('<?qq', False, 0, dim))  # the output matrix, empty


def neighbours(path, probes, k=8):
    run = subprocess.run(['fasttext', 'nn', path, str(k)], input='\n'.join(probes) + '\n', capture_output=True, text=True, check=True)
    # fastText prints "Query word? " then k lines "word score" per query.
    lines = [l for l in run.stdout.replace('Query word? ', '\n').splitlines() if l.strip()]
    out = {}
    for i, probe in enumerate(probes):
        out[probe] = [[w, float(s)] for w, s in (l.rsplit(' ', 1) for l in lines[i * k:(i + 1) * k])]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work', default=DEFAULT_WORK)
    parser.add_argument('--out', default=DEFAULT_OUT)
    parser.add_argument('--words', type=int, default=20000)
    parser.add_argument('--dim', type=int, default=32)
    parser.add_argument('--bucket', type=int, default=4000)
    parser.add_argument('--epoch', type=int, default=5)
    args = parser.parse_args()
    words = words_file(args.work)
    full = train(args.work, words, args.dim, args.bucket, args.epoch)
    ft_args, entries, ntokens, matrix, dim, bucket = read_bin(full)
    keep = min(args.words, len(entries))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_pruned(args.out, ft_args, entries, ntokens, matrix, dim, bucket, keep)
    vocab = {w.decode('utf-8') for w, _, _ in entries[:keep]}
    sentence_words = WORD.findall(SENTENCE.lower())
    summary = {
        'file': os.path.basename(args.out), 'bytes': os.path.getsize(args.out),
        'trainedWords': len(entries), 'words': keep, 'dim': dim, 'bucket': bucket, 'minn': 3, 'maxn': 6,
        'epoch': args.epoch, 'corpusTokens': ntokens,
        'sentenceInVocabulary': {w: w in vocab for w in sentence_words},
        'neighbours': neighbours(args.out, PROBES),
    }
    with open(os.path.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(summary, f, indent=1)
        f.write('\n')
    for probe, near in summary['neighbours'].items():
        print(f'{probe:10s}', ', '.join(f'{w} {s:.2f}' for w, s in near))
    print(json.dumps({k: v for k, v in summary.items() if k != 'neighbours'}, indent=1))


if __name__ == '__main__':
    main()
