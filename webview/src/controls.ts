/**
 * The panel's toolbar: measure, weight source (lesson / seeded random / weights file), heads,
 * seed, causal mask, √d_k scaling, temperature — VS Code's own look through @vscode-elements.
 * Every change posts the whole option set; the host recomputes at once.
 *
 * The elements are defined by their own bundle, loaded after the first paint (elements.ts): the
 * toolbar is built at once and the options are given to the elements when they are defined, so
 * nothing is set on an element that does not know its properties yet.
 */
import { custom, h } from './dom';
import type { PanelOptions, SourceKind } from '../../src/shared/protocol';
import type { Measure } from '../../src/core/types';

interface ValueElement extends HTMLElement {
  value: string;
  invalid?: boolean;
  disabled?: boolean;
}
interface CheckElement extends HTMLElement {
  checked: boolean;
}

/** The custom elements the toolbar is made of (defined by elements.ts). */
const ELEMENT_TAGS = ['vscode-single-select', 'vscode-option', 'vscode-checkbox', 'vscode-textfield', 'vscode-button', 'vscode-progress-bar'] as const;

const MEASURE_LABELS: ReadonlyArray<readonly [Measure, string]> = [
  ['dot', 'Dot product'],
  ['cosine', 'Cosine similarity'],
  ['scaled', 'Scaled dot (÷√d)'],
];
const SOURCE_LABELS: ReadonlyArray<readonly [SourceKind, string]> = [
  ['lesson', 'Lesson: Q = K = V = embeddings'],
  ['random', 'Seeded random projections'],
  ['weights', 'Weights file (.safetensors)'],
];

function select(id: string, label: string, entries: ReadonlyArray<readonly [string, string]>): ValueElement {
  return custom('vscode-single-select', { attrs: { id, 'aria-label': label } }, entries.map(([value, text]) => custom('vscode-option', { text, attrs: { value } }))) as ValueElement;
}

function field(id: string, label: string, attrs: Record<string, string | number>): ValueElement {
  return custom('vscode-textfield', { attrs: { id, 'aria-label': label, type: 'number', ...attrs } }) as ValueElement;
}

function group(label: string, control: HTMLElement, testid: string): HTMLElement {
  return h('div', { className: 'control', testid }, [h('label', { className: 'control-label', text: label, attrs: { for: control.id } }), control]);
}

export class Controls {
  readonly element: HTMLElement;
  readonly progress = custom('vscode-progress-bar', { className: 'progress', attrs: { 'aria-label': 'Computing attention', indeterminate: true } });
  private readonly measure = select('measure', 'Similarity measure', MEASURE_LABELS);
  private readonly source = select('source', 'Weight source', SOURCE_LABELS);
  private readonly heads = field('heads', 'Heads', { min: 1, max: 64, step: 1 });
  private readonly seed = field('seed', 'Seed', { min: 0, step: 1 });
  private readonly temperature = field('temperature', 'Softmax temperature', { step: 0.1 });
  private readonly causal = custom('vscode-checkbox', { attrs: { id: 'causal', label: 'Causal mask' } }) as CheckElement;
  private readonly scale = custom('vscode-checkbox', { attrs: { id: 'scale', label: '÷ √d_k' } }) as CheckElement;
  private readonly pickWeights = custom('vscode-button', { text: 'Choose…', attrs: { secondary: true, id: 'pick-weights' } });
  private readonly weightsLabel = h('span', { className: 'weights-label' });
  private readonly headsGroup: HTMLElement;
  private readonly seedGroup: HTMLElement;
  private readonly weightsGroup: HTMLElement;
  private current: PanelOptions | undefined;
  /** True once every element of the toolbar is defined (upgraded). */
  private elementsDefined = false;

  constructor(
    private readonly onChange: (options: PanelOptions) => void,
    onPickWeights: () => void,
  ) {
    this.headsGroup = group('Heads', this.heads, 'control-heads');
    this.seedGroup = group('Seed', this.seed, 'control-seed');
    this.weightsGroup = h('div', { className: 'control', testid: 'control-weights' }, [h('span', { className: 'control-label', text: 'Weights' }), this.pickWeights, this.weightsLabel]);
    this.element = h('div', { className: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Attention settings' } }, [
      group('Measure', this.measure, 'control-measure'),
      group('Source', this.source, 'control-source'),
      this.headsGroup,
      this.seedGroup,
      this.weightsGroup,
      h('div', { className: 'control checks' }, [this.causal, this.scale]),
      group('Temperature', this.temperature, 'control-temperature'),
    ]);
    for (const el of [this.measure, this.source, this.causal, this.scale, this.heads, this.seed, this.temperature]) {
      el.addEventListener('change', () => this.emit());
    }
    this.pickWeights.addEventListener('click', onPickWeights);
    void Promise.all(ELEMENT_TAGS.map((tag) => customElements.whenDefined(tag))).then(() => {
      this.elementsDefined = true;
      if (this.current) this.apply(this.current);
    });
  }

  /** Shows `options` without emitting a change (in the elements once they are defined). */
  set(options: PanelOptions, weightsLabel: string): void {
    this.current = options;
    this.weightsLabel.textContent = weightsLabel || 'no file chosen';
    this.showRelevant(options.source, options.measure);
    if (this.elementsDefined) this.apply(options);
  }

  private apply(options: PanelOptions): void {
    setSelect(this.measure, options.measure);
    setSelect(this.source, options.source);
    this.heads.value = String(options.heads);
    this.seed.value = String(options.seed);
    this.temperature.value = String(options.temperature);
    this.causal.checked = options.causal;
    this.scale.checked = options.scale;
    for (const el of [this.heads, this.seed, this.temperature]) el.invalid = false;
    this.showRelevant(options.source, options.measure);
  }

  private showRelevant(source: SourceKind, measure: Measure): void {
    this.headsGroup.hidden = source === 'lesson';
    this.seedGroup.hidden = source !== 'random';
    this.weightsGroup.hidden = source !== 'weights';
    // Only the scaled measure divides by √d_k (cosine is already in [−1, 1]; dot is plain q·k).
    const scaled = measure === 'scaled';
    if (this.elementsDefined) (this.scale as unknown as { disabled: boolean }).disabled = !scaled;
    this.scale.title = scaled ? 'Divide the scores by √d_k (switch off to see why transformers scale)' : 'Applies to the scaled measure only: cosine and dot are never divided by √d_k';
  }

  private emit(): void {
    const base = this.current;
    if (!base) return;
    const heads = Number(this.heads.value);
    const seed = Number(this.seed.value);
    const temperature = Number(this.temperature.value);
    const bad = [
      [this.heads, !(Number.isInteger(heads) && heads >= 1 && heads <= 1024)],
      [this.seed, !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)],
      [this.temperature, !(Number.isFinite(temperature) && temperature > 0 && temperature <= 1e6)],
    ] as const;
    let valid = true;
    for (const [el, invalid] of bad) {
      el.invalid = invalid;
      if (invalid) valid = false;
    }
    const source = (SOURCE_LABELS.find(([v]) => v === this.source.value)?.[0] ?? base.source) as SourceKind;
    const measure = (MEASURE_LABELS.find(([v]) => v === this.measure.value)?.[0] ?? base.measure) as Measure;
    this.showRelevant(source, measure);
    if (!valid) return;
    const next: PanelOptions = {
      measure,
      source,
      heads,
      seed,
      causal: this.causal.checked,
      scale: this.scale.checked,
      temperature,
    };
    if (JSON.stringify(next) === JSON.stringify(base)) return;
    this.current = next;
    this.onChange(next);
  }
}

function setSelect(el: ValueElement, value: string): void {
  for (const option of el.querySelectorAll('vscode-option')) {
    option.toggleAttribute('selected', option.getAttribute('value') === value);
  }
  el.value = value;
  // The select reads its options when they are slotted (a microtask later on first render).
  queueMicrotask(() => {
    if (el.value !== value) el.value = value;
  });
}
