import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { cosine, dot, lookup, printedMatches, readEmbText, scaledDot } from '../../e2e/harness/reference';
import { activateHeadlight, hoverText, waitFor, workspaceUri } from './helpers';

/** Rows of the first markdown table whose header names all of `columns`, as header → cell text. */
function markdownTable(markdown: string, columns: readonly string[]): Record<string, string>[] {
  const lines = markdown.split('\n').map((line) => line.trim());
  const cells = (line: string): string[] => line.replace(/^\||\|$/g, '').split('|').map((cell) => cell.replace(/[*_`]/g, '').trim());
  const headerAt = lines.findIndex((line) => line.startsWith('|') && columns.every((c) => line.toLowerCase().includes(c)));
  assert.ok(headerAt >= 0, `no markdown table with columns ${columns.join(', ')} in:\n${markdown}`);
  const header = cells(lines[headerAt] as string).map((h) => h.toLowerCase());
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(headerAt + 2)) {
    if (!line.startsWith('|')) break;
    const values = cells(line);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? ''])));
  }
  return rows;
}

/** The value of the first column whose header contains `name`. */
function column(row: Record<string, string>, name: string): string {
  const key = Object.keys(row).find((k) => k.includes(name));
  assert.ok(key, `no column "${name}" in ${JSON.stringify(row)}`);
  return row[key] as string;
}

async function diagnosticsOf(uri: vscode.Uri, atLeast: number): Promise<vscode.Diagnostic[]> {
  return waitFor(`${atLeast} diagnostic(s) on ${uri.path}`, () => {
    const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === undefined || /headlight/i.test(d.source));
    return found.length >= atLeast ? found : undefined;
  });
}

suite('.emb language features', () => {
  suiteSetup(async () => {
    await activateHeadlight();
  });

  test('.emb files open in the emb language', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceUri('deck.emb'));
    assert.equal(document.languageId, 'emb');
  });

  test('hover on a token shows its nearest tokens with cosine, dot and scaled scores', async () => {
    const uri = workspaceUri('deck.emb');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const vectors = readEmbText(document.getText());
    const line = document.getText().split('\n').findIndex((l) => l.startsWith('orange '));
    const markdown = await waitFor('a hover on "orange"', async () => {
      const text = await hoverText(uri, new vscode.Position(line, 2));
      return text.length > 0 ? text : undefined;
    });
    const rows = markdownTable(markdown, ['cosine', 'dot', 'scaled']);
    const orange = lookup(vectors, 'orange')!;
    const apple = lookup(vectors, 'apple')!;
    const first = rows[0];
    assert.ok(first, `the nearest-token table is empty:\n${markdown}`);
    assert.match(Object.values(first).join(' '), /apple/, `apple (cosine 0.71) is orange's nearest token:\n${markdown}`);
    for (const [name, exact] of [['cosine', cosine(orange, apple)], ['dot', dot(orange, apple)], ['scaled', scaledDot(orange, apple)]] as const) {
      const printed = column(first, name);
      assert.ok(printedMatches(printed, exact), `${name}(orange, apple) shown as "${printed}", expected ${exact.toFixed(4)}`);
    }
  });

  test('hover on a value names its dimension', async () => {
    const uri = workspaceUri('deck.emb');
    const document = await vscode.workspace.openTextDocument(uri);
    const line = document.getText().split('\n').findIndex((l) => l.startsWith('orange '));
    const column3 = document.lineAt(line).text.indexOf('3');
    const markdown = await waitFor('a hover on a value', async () => {
      const text = await hoverText(uri, new vscode.Position(line, column3));
      return text.length > 0 ? text : undefined;
    });
    assert.match(markdown, /fruitness/i, `the hover on orange's second value should name the dimension "fruitness":\n${markdown}`);
  });

  test('a malformed file reports each problem on its line with a plain message', async () => {
    const uri = workspaceUri('malformed.emb');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diagnostics = await diagnosticsOf(uri, 4);
    const onLine = (line: number): vscode.Diagnostic => {
      const found = diagnostics.find((d) => d.range.start.line === line);
      assert.ok(found, `no problem reported on line ${line + 1}; got ${diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join(' | ')}`);
      return found;
    };
    assert.match(onLine(2).message, /3[\s\S]*2|2[\s\S]*3/, 'wrong value count names expected (3) and found (2)');
    const notANumber = onLine(3);
    assert.equal(notANumber.range.start.character, 'apple 2 '.length, 'the range starts at the "x"');
    assert.match(notANumber.message, /x|number/i);
    assert.match(onLine(4).message, /orange|duplicate/i, 'duplicate token');
    assert.match(onLine(5).message, /nan|finite|number/i, 'NaN value');
    for (const d of diagnostics) assert.equal(d.severity <= vscode.DiagnosticSeverity.Warning, true, `"${d.message}" should be an error or warning`);
  });

  test('a duplicate token offers a quick fix that removes the problem', async () => {
    const uri = workspaceUri('quickfix.emb');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    try {
      const [duplicate] = await diagnosticsOf(uri, 1);
      assert.ok(duplicate);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, duplicate.range, vscode.CodeActionKind.QuickFix.value);
      const fix = actions.find((a) => a.kind?.contains(vscode.CodeActionKind.QuickFix) && a.edit);
      assert.ok(fix, `no quick fix with an edit; got ${actions.map((a) => a.title).join(', ') || 'none'}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit!), 'the fix applies');
      await waitFor('the duplicate diagnostic to go away', () => (vscode.languages.getDiagnostics(uri).length === 0 ? true : undefined));
      assert.equal(document.getText().split('\n').filter((l) => l.startsWith('orange ')).length, 1, 'one "orange" line remains');
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });
});

/** gensim's most_similar(positive=[a, c], negative=[b]): mean of unit vectors, cosine, inputs excluded. */
function referenceAnalogy(vectors: Map<string, readonly number[]> | ReadonlyMap<string, readonly number[]>, a: string, b: string, c: string): string {
  const unit = (v: readonly number[]): number[] => {
    const norm = Math.sqrt(dot(v, v));
    return v.map((x) => (norm === 0 ? 0 : x / norm));
  };
  const [ua, ub, uc] = [a, b, c].map((w) => unit(lookup(vectors, w)!));
  const mean = unit(ua!.map((x, i) => (x - ub![i]! + uc![i]!) / 3));
  let best = '';
  let bestScore = -Infinity;
  for (const [token, vector] of vectors) {
    if ([a, b, c].includes(token)) continue;
    const score = dot(unit(vector), mean);
    if (score > bestScore) [best, bestScore] = [token, score];
  }
  return best;
}

suite('.emb word commands', () => {
  const options = (): { uri: vscode.Uri; reveal: false } => ({ uri: workspaceUri('deck.emb'), reveal: false });
  const deckVectors = async (): Promise<ReturnType<typeof readEmbText>> =>
    readEmbText(new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri('deck.emb'))));

  test('Compare Words gives all three measures and the deck\'s worked arithmetic', async () => {
    await activateHeadlight();
    const vectors = await deckVectors();
    const result = await vscode.commands.executeCommand<{ cosine: number; dot: number; scaled: number; worked: { dot: string; scaled: string } }>(
      'headlight.compareWords', 'orange', 'apple', options());
    assert.ok(result, 'Compare Words returns its result');
    const [orange, apple] = [lookup(vectors, 'orange')!, lookup(vectors, 'apple')!];
    assert.ok(Math.abs(result.cosine - cosine(orange, apple)) < 1e-6, `cosine ${result.cosine}`);
    assert.ok(Math.abs(result.dot - dot(orange, apple)) < 1e-6, `dot ${result.dot}`);
    assert.ok(Math.abs(result.scaled - scaledDot(orange, apple)) < 1e-6, `scaled ${result.scaled}`);
    const terms = orange.map((x, i) => `${x}·${apple[i]}`).join(' + ');
    assert.match(result.worked.dot, new RegExp(`^${terms.replace(/[+]/g, '\\+')} = 6$`), `worked dot: ${result.worked.dot}`);
    assert.match(result.worked.scaled, /^6\s*\/\s*√3 = 3\.46$/, `worked scaled: ${result.worked.scaled}`);
  });

  test('Find Nearest Words ranks by the chosen measure', async () => {
    const vectors = await deckVectors();
    const result = await vscode.commands.executeCommand<{ neighbors: readonly { token: string; cosine: number }[] }>(
      'headlight.findNearestWords', 'and', { ...options(), k: 3, measure: 'cosine' });
    assert.ok(result, 'Find Nearest Words returns its result');
    const and = lookup(vectors, 'and')!;
    const expected = [...vectors.entries()]
      .filter(([token]) => token !== 'and')
      .map(([token, v]) => ({ token, score: cosine(and, v) }))
      .sort((x, y) => y.score - x.score)
      .slice(0, 3);
    assert.equal(result.neighbors[0]?.token, expected[0]?.token, `nearest to "and": ${result.neighbors.map((n) => n.token).join(', ')}`);
    assert.ok(Math.abs((result.neighbors[0]?.cosine ?? NaN) - expected[0]!.score) < 1e-6);
  });

  test('Word Analogy a − b + c matches gensim\'s most_similar semantics and excludes the inputs', async () => {
    const vectors = await deckVectors();
    const result = await vscode.commands.executeCommand<{ neighbors: readonly { token: string }[] }>(
      'headlight.wordAnalogy', 'apple', 'orange', 'an', options());
    assert.ok(result, 'Word Analogy returns its result');
    const tokens = result.neighbors.map((n) => n.token);
    for (const input of ['apple', 'orange', 'an']) assert.ok(!tokens.includes(input), `inputs are excluded: ${tokens.join(', ')}`);
    assert.equal(tokens[0], referenceAnalogy(vectors, 'apple', 'orange', 'an'));
  });

  test('Use Embeddings File switches the active set and back to the lesson set', async () => {
    const api = await activateHeadlight();
    try {
      const summary = await vscode.commands.executeCommand<{ label: string; count: number; dim: number }>('headlight.useEmbeddingsFile', workspaceUri('deck.emb'));
      assert.ok(summary, 'Use Embeddings File returns a summary');
      assert.deepEqual([summary.count, summary.dim], [5, 3]);
      assert.match(summary.label, /deck\.emb/);
      assert.match((await api.embeddings.get()).label, /deck\.emb/);
    } finally {
      await vscode.commands.executeCommand('headlight.useEmbeddingsFile', 'lesson');
    }
    assert.doesNotMatch((await api.embeddings.get()).label, /deck\.emb/, `back on the lesson set (last error: ${api.emb.results.error ?? 'none'})`);
  });
});
