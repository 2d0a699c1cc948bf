#!/usr/bin/python3
"""The training corpus: English text that Debian packages ship, split once into train and validation.

    /usr/bin/python3 scripts/train/corpus.py [--out DIR] [--limit N]

Sources (each document is one unit of the split, so no chapter or gloss straddles it):
  wordnet-base     /usr/share/wordnet/data.{noun,verb,adj,adv}: one document per synset,
                   "lemma, lemma: gloss; "example sentence"" (the gloss text after '|')
  bible-kjv-text   the King James Bible through the `bible` program (package bible-kjv):
                   one document per chapter, verses joined by spaces
  fortunes         /usr/share/games/fortunes/*: one document per fortune (between '%' lines),
                   whitespace collapsed; the ascii-art files are skipped

Writes DIR (default .headlight-work/train/, which git ignores):
  train.txt, valid.txt    one document per line, in the split's order
  corpus.json             the sources' document and word counts, the seed and the split sizes
The split is fixed: documents are ordered by source and position, shuffled with random.Random(SEED)
and the first VALID_FRACTION go to validation. --limit N keeps every source's first N documents
(the smoke test's small slice).
"""
import argparse
import json
import os
import random
import re
import subprocess

SEED = 15
VALID_FRACTION = 0.02
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
DEFAULT_OUT = os.path.join(ROOT, '.headlight-work', 'train')
WORDNET = '/usr/share/wordnet'
FORTUNES = '/usr/share/games/fortunes'
SKIPPED_FORTUNES = {'art', 'ascii-art'}


def wordnet_documents():
    for pos in ('noun', 'verb', 'adj', 'adv'):
        path = os.path.join(WORDNET, 'data.' + pos)
        if not os.path.exists(path):
            continue
        with open(path, encoding='latin-1') as f:
            for line in f:
                if line.startswith('  ') or '|' not in line:
                    continue  # the licence header
                fields, gloss = line.split('|', 1)
                parts = fields.split()
                # offset lex_filenum ss_type w_cnt(hex) [word lex_id]...
                count = int(parts[3], 16)
                lemmas = [re.sub(r'\(.*\)$', '', parts[4 + 2 * i]).replace('_', ' ') for i in range(count)]
                yield ', '.join(lemmas) + ': ' + gloss.strip()


def bible_documents():
    try:
        text = subprocess.run(['bible', '-l100000', 'gen1:1-rev22:21'], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return
    verses = []
    for line in text.splitlines():
        m = re.match(r'^\s+\d+\s+(.*)$', line)
        if m:
            verses.append(m.group(1).strip())
        elif line.strip() and verses:
            yield ' '.join(verses)  # a new chapter's heading ends the previous chapter
            verses = []
    if verses:
        yield ' '.join(verses)


def fortune_documents():
    if not os.path.isdir(FORTUNES):
        return
    for name in sorted(os.listdir(FORTUNES)):
        path = os.path.join(FORTUNES, name)
        if '.' in name or name in SKIPPED_FORTUNES or not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8', errors='replace') as f:
            for chunk in f.read().split('\n%\n'):
                text = ' '.join(chunk.split())
                letters = sum(c.isalpha() for c in text)
                if len(text) >= 20 and letters >= 0.6 * len(text):
                    yield text


SOURCES = (('wordnet-base', wordnet_documents), ('bible-kjv-text', bible_documents), ('fortunes', fortune_documents))


def build(out, limit=None):
    os.makedirs(out, exist_ok=True)
    documents = []
    stats = {}
    for name, source in SOURCES:
        docs = []
        for doc in source():
            if limit is not None and len(docs) >= limit:
                break
            docs.append(doc)
        stats[name] = {'documents': len(docs), 'words': sum(len(d.split()) for d in docs)}
        documents.extend(docs)
    random.Random(SEED).shuffle(documents)
    n_valid = max(1, int(len(documents) * VALID_FRACTION))
    valid, train = documents[:n_valid], documents[n_valid:]
    for file, docs in (('train.txt', train), ('valid.txt', valid)):
        with open(os.path.join(out, file), 'w', encoding='utf-8') as f:
            for d in docs:
                f.write(d + '\n')
    summary = {
        'seed': SEED, 'validFraction': VALID_FRACTION, 'sources': stats,
        'train': {'documents': len(train), 'words': sum(len(d.split()) for d in train)},
        'valid': {'documents': len(valid), 'words': sum(len(d.split()) for d in valid)},
    }
    with open(os.path.join(out, 'corpus.json'), 'w') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    return summary


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=DEFAULT_OUT)
    parser.add_argument('--limit', type=int, default=None)
    args = parser.parse_args()
    print(json.dumps(build(args.out, args.limit), indent=2))
