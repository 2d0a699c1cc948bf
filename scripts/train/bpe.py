#!/usr/bin/python3
"""A byte-level BPE vocabulary trained on the corpus, written as a Hugging Face tokenizer.json.

    /usr/bin/python3 scripts/train/bpe.py [--work DIR] [--out DIR] [--vocab N]

What GPT-2 does, written out (the conventions followed: openai/gpt-2 src/encoder.py
bytes_to_unicode and bpe(); Hugging Face tokenizers' ByteLevel pre-tokenizer and BPE model):
  - bytes → printable characters with GPT-2's table (printable Latin-1 map to themselves, the
    other 68 bytes to U+0100 onwards), so every byte string is a string of "characters";
  - text → pieces with GPT-2's regex
        's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
    (Python's re has no \\p{..}: the classes are spelled out from unicodedata's categories);
  - training: start from the 256 byte characters, count adjacent pairs inside pieces weighted by
    the piece's frequency, merge the most frequent pair (ties: the smaller pair in code-point
    order), update the counts of the pieces that held it, until the vocabulary has N entries
    (256 bytes + merges + "<|endoftext|>", which is the last id as in GPT-2);
  - encoding: per piece, repeatedly merge the adjacent pair with the lowest merge rank.
Writes DIR/tokenizer.json (and the merges' order is the ranks), and train.ids / valid.ids in the
work folder (uint16, documents separated by <|endoftext|>) for gpt.py, and --reference
(test/fixtures/train/tokenizer.reference.json): the first validation documents with this
encoder's ids, which the tokenizer test compares with Headlight's loader.
"""
import argparse
import collections
import heapq
import json
import os
import re
import sys
import unicodedata

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
DEFAULT_WORK = os.path.join(ROOT, '.headlight-work', 'train')
DEFAULT_OUT = os.path.join(ROOT, 'samples', 'model')
DEFAULT_REFERENCE = os.path.join(ROOT, 'test', 'fixtures', 'train', 'tokenizer.reference.json')
REFERENCE_DOCUMENTS = 300
EOT = '<|endoftext|>'


def bytes_to_unicode():
    # openai/gpt-2 src/encoder.py bytes_to_unicode: the printable bytes keep their code point
    printable = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    table = {}
    extra = 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _class(categories):
    """A regex character class of every code point whose category starts with one of `categories`."""
    ranges = []
    start = None
    for cp in range(sys.maxunicode + 2):
        inside = cp <= sys.maxunicode and unicodedata.category(chr(cp))[0] in categories
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append((start, cp - 1))
            start = None
    return ''.join(re.escape(chr(a)) if a == b else re.escape(chr(a)) + '-' + re.escape(chr(b)) for a, b in ranges)


def gpt2_pattern():
    L, N = _class('L'), _class('N')
    return re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[""" + L + r"""]+| ?[""" + N + r"""]+| ?[^\s""" + L + N + r"""]+|\s+(?!\S)|\s+""")


class Encoder:
    def __init__(self, vocab, merges, pattern):
        self.vocab = vocab
        self.ranks = {tuple(m.split(' ')): r for r, m in enumerate(merges)}
        self.pattern = pattern
        self.table = bytes_to_unicode()
        self.cache = {}

    def bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        word = list(piece)
        while len(word) > 1:
            best = min(range(len(word) - 1), key=lambda i: self.ranks.get((word[i], word[i + 1]), 1 << 30))
            pair = (word[best], word[best + 1])
            if pair not in self.ranks:
                break
            merged = []
            i = 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == pair:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        ids = [self.vocab[t] for t in word]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        ids = []
        for piece in self.pattern.findall(text):
            ids.extend(self.bpe(''.join(self.table[b] for b in piece.encode('utf-8'))))
        return ids


def train_bpe(lines, vocab_size, pattern):
    table = bytes_to_unicode()
    counts = collections.Counter()
    for line in lines:
        counts.update(pattern.findall(line))
    words = [[table[b] for b in piece.encode('utf-8')] for piece in counts]
    freq = list(counts.values())
    vocab = {table[b]: i for i, b in enumerate(sorted(table, key=lambda b: ord(table[b])))}
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] += freq[wi]
            where[(a, b)].add(wi)
    # A heap of (−count, pair) entries, pushed whenever a count changes; stale entries (whose count
    # is no longer the pair's) are skipped when popped. Equal counts pop the smaller pair first.
    heap = [(-c, p) for p, c in pairs.items()]
    heapq.heapify(heap)
    merges = []
    while len(vocab) < vocab_size - 1 and heap:
        negative, best = heapq.heappop(heap)
        if -negative != pairs[best] or pairs[best] <= 0:
            continue
        merges.append(best[0] + ' ' + best[1])
        joined = best[0] + best[1]
        vocab[joined] = len(vocab)
        changed = set()
        for wi in list(where[best]):
            w = words[wi]
            f = freq[wi]
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] -= f
                where[(a, b)].discard(wi)
                changed.add((a, b))
            merged = []
            i = 0
            while i < len(w):
                if i < len(w) - 1 and w[i] == best[0] and w[i + 1] == best[1]:
                    merged.append(joined)
                    i += 2
                else:
                    merged.append(w[i])
                    i += 1
            words[wi] = merged
            for a, b in zip(merged, merged[1:]):
                pairs[(a, b)] += f
                where[(a, b)].add(wi)
                changed.add((a, b))
        for p in changed:
            if pairs[p] > 0:
                heapq.heappush(heap, (-pairs[p], p))
    vocab[EOT] = len(vocab)
    return vocab, merges


def tokenizer_json(vocab, merges):
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}
    return {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [{'id': vocab[EOT], 'content': EOT, 'single_word': False, 'lstrip': False, 'rstrip': False,
                          'normalized': True, 'special': True}],
        'normalizer': None,
        'pre_tokenizer': byte_level,
        'post_processor': {**byte_level, 'trim_offsets': False},
        'decoder': byte_level,
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': vocab, 'merges': merges},
    }


def encode_file(encoder, src, dst, eot):
    ids = []
    with open(src, encoding='utf-8') as f:
        for line in f:
            ids.extend(encoder.encode(line.rstrip('\n')))
            ids.append(eot)
    np.asarray(ids, dtype=np.uint16).tofile(dst)
    return len(ids)


def write_reference(path, tokenizer_file, valid_file, documents=REFERENCE_DOCUMENTS):
    """The first validation documents and this encoder's ids for them, for the tokenizer test."""
    with open(tokenizer_file, encoding='utf-8') as f:
        model = json.load(f)['model']
    encoder = Encoder(model['vocab'], model['merges'], gpt2_pattern())
    with open(valid_file, encoding='utf-8') as f:
        lines = [l.rstrip('\n') for l, _ in zip(f, range(documents))]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump({'source': 'scripts/train/bpe.py Encoder on valid.txt', 'documents': [{'text': l, 'ids': encoder.encode(l)} for l in lines]},
                  f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work', default=DEFAULT_WORK)
    parser.add_argument('--out', default=DEFAULT_OUT)
    parser.add_argument('--vocab', type=int, default=3000)
    parser.add_argument('--reference', default=DEFAULT_REFERENCE, help='where the ids of the first validation documents go')
    parser.add_argument('--reference-only', action='store_true', help='only (re)write --reference from DIR/tokenizer.json')
    args = parser.parse_args()
    if args.reference_only:
        write_reference(args.reference, os.path.join(args.out, 'tokenizer.json'), os.path.join(args.work, 'valid.txt'))
        return
    pattern = gpt2_pattern()
    with open(os.path.join(args.work, 'train.txt'), encoding='utf-8') as f:
        lines = [l.rstrip('\n') for l in f]
    vocab, merges = train_bpe(lines, args.vocab, pattern)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tokenizer_json(vocab, merges), f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')
    with open(os.path.join(args.out, 'tokenizer_config.json'), 'w') as f:
        json.dump({'model_max_length': 128, 'tokenizer_class': 'GPT2Tokenizer', 'bos_token': EOT, 'eos_token': EOT,
                   'unk_token': EOT}, f, indent=2)
        f.write('\n')
    encoder = Encoder(vocab, merges, pattern)
    sizes = {split: encode_file(encoder, os.path.join(args.work, split + '.txt'), os.path.join(args.work, split + '.ids'), vocab[EOT])
             for split in ('train', 'valid')}
    write_reference(args.reference, os.path.join(args.out, 'tokenizer.json'), os.path.join(args.work, 'valid.txt'))
    print(json.dumps({'vocab': len(vocab), 'merges': len(merges), 'tokens': sizes}))


if __name__ == '__main__':
    main()
