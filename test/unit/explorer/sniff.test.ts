import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeEmbeddingText } from '../../../src/host/explorer/sniff';

test('.txt files that start like embeddings: a word2vec header or a token and numbers', () => {
  assert.equal(looksLikeEmbeddingText('400000 100\nthe 0.1 0.2\n'), true);
  assert.equal(looksLikeEmbeddingText('# dims: a b\nthe 0.418 0.24968 -0.41242\nof 0.7 1e-3 2\n'), true);
  assert.equal(looksLikeEmbeddingText('the -0.5 .25 3.0E+2\nrest of a row cut'), true);
});

test('prose, CSV and a single number per row are not embeddings', () => {
  assert.equal(looksLikeEmbeddingText('Call me Ishmael. Some years ago\n'), false);
  assert.equal(looksLikeEmbeddingText('a,b,c\n1,2,3\n'), false);
  assert.equal(looksLikeEmbeddingText('word 1\n'), false);
  assert.equal(looksLikeEmbeddingText(''), false);
});
