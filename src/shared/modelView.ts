/**
 * The view model of one real-model result: what the host (src/host/model/) sends and the panel's
 * model views (webview/src/, H6) draw. Types and a few pure helpers only: no vscode, no DOM, no
 * core import, so both bundles can use it.
 *
 * Contract:
 *   ModelSnapshot        everything after one forward pass: model info, tokens, the units drawn
 *                        (tokens, or words when aggregated; specials possibly hidden), every
 *                        layer × head as a compact thumbnail plus each layer's head average, the
 *                        focused (layer, head) exactly, the neuron data of the selected query, the
 *                        rollout up to a layer, and the predictions.
 *   ModelFocusView       the focused (layer, head) in full: scaled pre-softmax scores and weights.
 *   NeuronView           for one query unit of the focused head: q, k of every key, the scale.
 *   RolloutView          Abnar & Zuidema's rollout through layers 0…upTo.
 *   PredictionsView      next tokens (causal LMs) or the top tokens at each mask (BERT family).
 *
 * Every matrix is over *units* (ModelSnapshot.units), never raw tokens: when the options hide
 * special tokens or aggregate words, the host has already applied src/core/tokenGroups.ts, so the
 * webview draws what it receives. `units[i].tokens` says which tokens a unit stands for, and
 * `units[i].range` is the editor range used for hover ↔ cursor linking.
 *
 * Memory bound (why thumbnails): 512 tokens × 32 layers × 32 heads of float32 weights is
 * 512·512·1024·4 B = 1 GiB, and even Uint8 is 256 MiB: too much to post. So every head travels as
 * a ≤ THUMB_SIDE × THUMB_SIDE max-pooled Uint8 thumbnail (32·32·64·64 B = 4 MiB at the extreme),
 * each layer's head average likewise, and only the focused head is sent exactly (n² float32).
 *
 * Legend: n units, L layers, H query heads, D head width, k top-k.
 */

/** Thumbnails are max-pooled to at most this many cells a side. */
export const THUMB_SIDE = 64;

/** Float32 row-major [rows, cols] on the wire; `data.byteLength === rows * cols * 4`. */
export interface FloatMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: ArrayBuffer;
}

/** What the status bar and the panel header show about the model. */
export interface ModelInfo {
  /** "gpt2", or "org/name" for a hub model, or the folder's name. */
  readonly name: string;
  /** Where it was loaded from (a folder path). */
  readonly dir: string;
  /** config.json's model_type: gpt2, bert, distilbert, roberta, llama, mistral, qwen2. */
  readonly type: string;
  readonly layers: number;
  /** Query heads. */
  readonly heads: number;
  /** Key/value heads (< heads under grouped-query attention). */
  readonly kvHeads: number;
  readonly hidden: number;
  readonly headDim: number;
  readonly vocabSize: number;
  /** Stored dtype(s) of the checkpoint: "F32", "F16", "BF16", "F32+BF16". */
  readonly dtype: string;
  /** Causal decoder (GPT-2, Llama family) or bidirectional encoder (BERT family). */
  readonly causal: boolean;
  readonly parameters: number;
  /** 'lm_head': next-token predictions; 'mlm': predictions at mask tokens; 'none'. */
  readonly head: 'lm_head' | 'mlm' | 'none';
}

/** One token as the tokenizer produced it. */
export interface ModelToken {
  readonly id: number;
  /** The tokenizer's own string ("Ġworld", "▁world", "##ing", "<0xE2>"). */
  readonly raw: string;
  /** Readable form ("␣world", "world", "##ing"): what labels show. Render as text, never HTML. */
  readonly text: string;
  /** [start, end) in UTF-16 code units of `ModelSnapshot.text`; null for post-processor specials. */
  readonly offset: readonly [number, number] | null;
  readonly special: boolean;
  /** Tokens of one word share an id; null for post-processor specials. */
  readonly word: number | null;
}

/** One row/column of every matrix drawn: a token, or a word when aggregated. */
export interface ModelUnit {
  /** The label to draw (a token's text, or the word's text). */
  readonly label: string;
  /** Indices into ModelSnapshot.tokens, ascending. */
  readonly tokens: readonly number[];
  /** [start, end) in UTF-16 code units of the text (the union of its tokens'); null if none has one. */
  readonly range: readonly [number, number] | null;
  readonly special: boolean;
}

export interface ModelViewOptions {
  /** Drop special tokens' rows and columns. */
  readonly hideSpecial: boolean;
  /** With hideSpecial: rescale each remaining row to sum to 1 (exBERT); else keep the weights as they are. */
  readonly renormalize: boolean;
  /** 'words': a word's keys are summed and its queries averaged (bertviz #23). */
  readonly aggregate: 'tokens' | 'words';
}

export const DEFAULT_MODEL_VIEW_OPTIONS: ModelViewOptions = { hideSpecial: false, renormalize: true, aggregate: 'tokens' };

/**
 * One head (or a layer's head average) max-pooled to ≤ THUMB_SIDE a side. Cells are absolute:
 * weight ≈ value / 255 (so the model view's cells can be read against a reference), and `max` is
 * the largest weight in the head so a faint head can be drawn rescaled (value / (255 · max)).
 * Max-pooling keeps a sharp diagonal visible when many cells become one.
 */
export interface ModelThumb {
  readonly rows: number;
  readonly cols: number;
  /** Uint8 [rows, cols]: round(255 · max of the pooled weights). */
  readonly data: ArrayBuffer;
  readonly max: number;
}

export interface LayerThumbs {
  /** H thumbnails, one per query head. */
  readonly heads: readonly ModelThumb[];
  /** The mean of the layer's H heads, pooled the same way. */
  readonly average: ModelThumb;
}

/** The focused (layer, head), exact. */
export interface ModelFocusView {
  readonly layer: number;
  readonly head: number;
  /** The kv head whose keys this query head reads (= head without GQA). */
  readonly kvHead: number;
  /**
   * Float32 [n, n]: q·k · scale, before softmax. Masked entries (the causal mask, a sliding
   * window) are −Infinity on the wire (Float32 keeps it); the JSON export writes them as null.
   * Over units like the weights: hidden specials' rows and columns removed (never renormalised);
   * null when some word has several pieces (a sum of logits is no score).
   */
  readonly scores: FloatMatrix | null;
  /** Float32 [n, n] post-softmax weights, rows are queries (after the unit transform). */
  readonly weights: FloatMatrix;
  /** The factor applied to q·k (1/√D for every supported family). */
  readonly scale: number;
  /** Causal: entries above the diagonal are masked. */
  readonly causal: boolean;
}

/**
 * The neuron view of the focused head for one query token: every number of
 * weight_j = softmax_j(scale · Σ_d q_d k_jd). Token-level (not unit-level): q and k are per token.
 */
export interface NeuronView {
  readonly layer: number;
  readonly head: number;
  /** The query token (index into tokens). */
  readonly query: number;
  /** D. */
  readonly headDim: number;
  /** Float32 [D]: the query vector (after RoPE where the family has it). */
  readonly q: ArrayBuffer;
  /** Float32 [n, D]: every key vector (of the kv head this query head reads). */
  readonly k: FloatMatrix;
  /** Float32 [n]: q·k_j (unscaled). */
  readonly dots: ArrayBuffer;
  readonly scale: number;
  /** Float32 [n]: the scaled scores, −Infinity where masked. */
  readonly scores: ArrayBuffer;
  /** Float32 [n]: softmax of scores. */
  readonly weights: ArrayBuffer;
}

/** Attention rollout (Abnar & Zuidema 2020) through layers 0…upTo. */
export interface RolloutView {
  readonly upTo: number;
  /** Float32 [n, n] over units; row i: how much unit i's output draws on each input unit. */
  readonly matrix: FloatMatrix;
  /** The residual share added before renormalising (0.5 in the paper). */
  readonly residual: number;
}

// H6: the head view (every head of one layer as token lines) needs each head of one layer over
// H6: units, unpooled: the panel posts requestLayerHeads { layer }, the host answers
// H6: modelLayerHeads { heads: LayerHeadsView } (modelThumb(w, Infinity) per head fits: rows = cols = n).
// H6: Until it answers, the head view draws from the thumbnails when they are unpooled (n ≤ THUMB_SIDE).
/** Every head of one layer over units, quantised like ModelThumb but never pooled. */
export interface LayerHeadsView {
  readonly layer: number;
  /** Units (ModelSnapshot.units.length). */
  readonly n: number;
  /** H thumbnails with rows = cols = n: weight ≈ value / 255. */
  readonly heads: readonly ModelThumb[];
}

export interface PredictedToken {
  readonly id: number;
  /** The tokenizer's string, or null for an id it does not know. */
  readonly raw: string | null;
  /** Readable form of the token, as ModelToken.text. */
  readonly text: string;
  /** softmax over the whole vocabulary. */
  readonly p: number;
}

export type PredictionsView =
  | { readonly kind: 'next'; readonly top: readonly PredictedToken[] }
  | { readonly kind: 'masks'; readonly masks: readonly { readonly position: number; readonly top: readonly PredictedToken[] }[] }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * Progressive paint (issue 12's 2 s at 512 tokens): a forward pass is announced in three parts,
 * so the focused head paints as soon as its layer is computed and the rest fills in.
 *   ModelPassStart   everything that needs only the focused layer: tokens, units, the focused head
 *                    exactly, its neuron data (taken from the exact recomputation of that head,
 *                    which is the very one the complete snapshot carries).
 *   ModelPassLayers  the thumbnails of layers from … from + thumbs.length − 1, as they are computed.
 *   the ModelSnapshot the complete result; its parts equal what start and layers said.
 * `pass` numbers the forward passes of one session: a part of an older pass is stale and dropped.
 */
export interface ModelPassStart {
  readonly pass: number;
  readonly model: ModelInfo;
  readonly text: string;
  readonly tokens: readonly ModelToken[];
  readonly options: ModelViewOptions;
  readonly units: readonly ModelUnit[];
  readonly focus: ModelFocusView;
  readonly neuron: NeuronView;
}

export interface ModelPassLayers {
  readonly pass: number;
  /** The first layer in `thumbs`; the layers before it were announced already. */
  readonly from: number;
  readonly thumbs: readonly LayerThumbs[];
}

/** A pass's progress as the engine reports it (src/host/model/engine.ts). */
export type ModelPassProgress = { readonly kind: 'start'; readonly start: ModelPassStart } | { readonly kind: 'layers'; readonly layers: ModelPassLayers };

export interface ModelSnapshot {
  readonly model: ModelInfo;
  /** The text that was tokenized (the selection, or the sentence around the cursor, plus appended tokens). */
  readonly text: string;
  readonly tokens: readonly ModelToken[];
  readonly options: ModelViewOptions;
  readonly units: readonly ModelUnit[];
  /** L entries (every layer). */
  readonly thumbs: readonly LayerThumbs[];
  readonly focus: ModelFocusView;
  /** The selected query token for the neuron view (index into tokens). */
  readonly neuron: NeuronView;
  readonly rollout: RolloutView;
  readonly predictions: PredictionsView;
  readonly timings: { readonly tokenizeMs: number; readonly forwardMs: number; readonly viewMs: number };
}

/**
 * Messages the model views exchange with the host. H6 defines them in src/shared/protocol/model*.ts
 * with validators; these are the payloads the host fills:
 *   host → panel:  modelSnapshot { snapshot }      a new result
 *                  modelFocus { focus, neuron }    another (layer, head) focused
 *                  modelNeuron { neuron }          another query token for the neuron view
 *                  modelRollout { rollout }        another rollout depth
 *                  highlightToken { unit | null }  the editor cursor is on that unit
 *                  modelLayerHeads { heads }       (H6) every head of one layer, for the head view
 *   panel → host:  focusModelHead { layer, head }
 *                  selectModelQuery { token }
 *                  setRolloutLayer { upTo }
 *                  setModelViewOptions { options: ModelViewOptions }
 *                  hoverToken { unit | null }      highlight that unit's range in the editor
 *                  appendToken { id }              append a predicted token and recompute
 *                  requestLayerHeads { layer }     (H6) the head view shows that layer
 */

/** The weight a thumbnail cell stands for (absolute, as ModelThumb says). */
export function thumbCellWeight(thumb: ModelThumb, row: number, col: number): number {
  return new Uint8Array(thumb.data)[row * thumb.cols + col]! / 255;
}

/** The thumbnail cell that token-level (i, j) of an n × n head falls in. */
export function thumbCellOf(thumb: ModelThumb, n: number, i: number, j: number): { row: number; col: number } {
  return { row: Math.floor((i * thumb.rows) / n), col: Math.floor((j * thumb.cols) / n) };
}

/** "L3 H5" labels and file names count from 1, as people do; indices are 0-based everywhere else. */
export function headLabel(layer: number, head: number): string {
  return `L${layer + 1}H${head + 1}`;
}

/** The readable form of a token string: byte-level "Ġ" and SentencePiece "▁" as a visible space. */
export function displayModelToken(raw: string): string {
  const spaced = raw.replace(/^[Ġ▁]/u, '␣').replace(/[Ġ▁]/gu, ' ').replace(/Ċ/gu, '↵').replace(/ĉ/gu, '⇥');
  return spaced.length > 0 ? spaced : '∅';
}
