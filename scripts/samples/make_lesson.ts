/**
 * Generates samples/lesson.emb — the teaching vocabulary a user with no embedding file gets — from
 * the readable category tables below:   node --import tsx scripts/samples/make_lesson.ts
 *
 * Rules (checked before writing; the script refuses to write a file that breaks one):
 *   - the deck's five words keep the deck's values on the first three dims and 0 everywhere else:
 *     orange 0 3 0, phone 4 0 0, apple 2 2 0, and 0 0 2, an 0 0 3 (so "orange apple and an" with
 *     cosine gives the deck's "orange → 0.40 orange + 0.30 apple + 0.15 and + 0.15 an");
 *   - every word of the deck's sentences is present, every token is lower-case and unique;
 *   - no two words point the same way, except the deck's "and" and "an" (parallel vectors tie in
 *     cosine, which would make "nearest" arbitrary).
 * How a word gets its vector: its category's profile (values on named dims), plus the word's own
 * adjustments (`word: { dim: value }` sets those dims), plus a small nudge on the category's main
 * dims (see `nudges`) so that words of one category are close but not identical. Values are
 * multiples of 0.5, readable in a hover.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const DIMS = [
  'tech', 'fruitness', 'other', 'food', 'animal', 'sport', 'vehicle', 'building',
  'colour', 'size', 'person', 'action', 'nature', 'time', 'quality', 'feeling',
] as const;
type Dim = (typeof DIMS)[number];
type Values = Partial<Record<Dim, number>>;

interface Category {
  readonly name: string;
  /** What every word of the category starts from. */
  readonly profile: Values;
  /** Dims the per-word nudge may move (the category's main dims). */
  readonly nudge: readonly Dim[];
  /** word → its own adjustments (dims set to these values), or {} for none. */
  readonly words: Readonly<Record<string, Values>>;
}

/** The deck's table, exactly: fixed words that take no profile and no nudge. */
export const DECK_WORDS: Readonly<Record<string, readonly [number, number, number]>> = {
  orange: [0, 3, 0],
  phone: [4, 0, 0],
  apple: [2, 2, 0],
  and: [0, 0, 2],
  an: [0, 0, 3],
};

export const DECK_SENTENCES = ['please buy an apple and an orange', 'apple unveiled the new phone', 'an apple phone', 'an apple and an orange'];

const CATEGORIES: readonly Category[] = [
  {
    name: 'fruit', profile: { fruitness: 3, food: 1 }, nudge: ['fruitness', 'food', 'colour'],
    words: {
      banana: {}, strawberry: {}, cherry: {}, cherries: {}, lemon: { quality: 0.5 }, blueberry: {}, grape: {}, pear: {}, peach: {},
      plum: {}, mango: {}, pineapple: { size: 1 }, watermelon: { size: 2 }, melon: { size: 1.5 }, kiwi: {}, lime: {}, apricot: {},
      coconut: { size: 1 }, raspberry: {}, fig: {}, tomato: { fruitness: 2, food: 2 },
    },
  },
  {
    name: 'food', profile: { food: 3 }, nudge: ['food', 'fruitness', 'quality'],
    words: {
      potato: { fruitness: 0.5 }, carrot: { fruitness: 0.5 }, onion: { fruitness: 0.5 }, bread: {}, cheese: {}, rice: {}, pasta: {},
      pizza: {}, soup: {}, salad: { fruitness: 1 }, egg: { animal: 0.5 }, milk: { animal: 0.5 }, butter: {}, sugar: {}, cake: { quality: 1 },
      cookie: { quality: 1 }, chocolate: { quality: 1 }, coffee: { time: 0.5 }, tea: {}, water: { nature: 1 }, juice: { fruitness: 1.5 },
      meat: { animal: 1 }, sandwich: {}, breakfast: { time: 1.5 }, lunch: { time: 1.5 }, dinner: { time: 1.5 }, food: {},
    },
  },
  {
    name: 'tech', profile: { tech: 4 }, nudge: ['tech', 'size', 'action'],
    words: {
      smartphone: { tech: 4.5 }, laptop: {}, computer: {}, android: { person: 0.5 }, tablet: {}, keyboard: {}, screen: {}, software: {},
      app: {}, internet: {}, email: { action: 0.5 }, camera: {}, robot: { person: 1 }, chip: {}, battery: {}, charger: {}, website: {},
      code: {}, data: {}, network: {}, wifi: {}, television: {}, radio: {}, headphones: {}, printer: {}, server: {}, cloud: { nature: 1 },
      mouse: { tech: 2, animal: 2.5, size: 0.5 }, iphone: { tech: 4.5 }, ipad: {}, gadget: {},
    },
  },
  {
    name: 'animal', profile: { animal: 3 }, nudge: ['animal', 'size', 'nature'],
    words: {
      dog: {}, cat: {}, horse: { size: 2, vehicle: 0.5 }, cow: { size: 2, food: 0.5 }, pig: { food: 0.5 }, sheep: {}, bird: { nature: 1 },
      lion: { size: 1.5 }, tiger: { size: 1.5 }, bear: { size: 2 }, wolf: {}, fox: {}, rabbit: {}, elephant: { size: 3 }, monkey: {},
      snake: {}, duck: {}, chicken: { food: 2 }, fish: { food: 1.5, nature: 1 }, whale: { size: 3, nature: 1 }, dolphin: { nature: 1 },
      bee: { size: -1 }, ant: { size: -1.5 }, frog: {}, owl: {}, eagle: {}, deer: {}, goat: {}, shark: { nature: 1 }, animal: {},
    },
  },
  {
    name: 'sport', profile: { sport: 3, action: 0.5 }, nudge: ['sport', 'action', 'size'],
    words: {
      soccer: {}, basketball: {}, tennis: {}, football: {}, baseball: {}, golf: {}, hockey: {}, swimming: { nature: 0.5 },
      cycling: { vehicle: 1 }, boxing: {}, rugby: {}, volleyball: {}, ski: { nature: 1 }, ball: { size: 0.5 }, goal: {}, team: { person: 1 },
      match: {}, game: {}, race: { vehicle: 0.5 }, coach: { person: 2 }, player: { person: 2 }, stadium: { building: 2, size: 2 }, sport: {},
    },
  },
  {
    name: 'vehicle', profile: { vehicle: 3, tech: 0.5, size: 1 }, nudge: ['vehicle', 'size', 'tech'],
    words: {
      car: {}, truck: { size: 2 }, bicycle: { tech: 0, sport: 1 }, bike: { tech: 0, sport: 1 }, bus: { size: 2 }, train: { size: 2.5 },
      plane: { tech: 1.5, size: 2.5 }, boat: { nature: 1 }, ship: { size: 3, nature: 1 }, motorcycle: {}, taxi: {}, van: { size: 1.5 },
      tractor: { nature: 1 }, helicopter: { tech: 1.5 }, rocket: { tech: 2.5 }, scooter: { size: 0.5 }, subway: { building: 0.5 },
      tram: {}, wheel: { size: 0 }, engine: { tech: 1.5, size: 0 },
    },
  },
  {
    name: 'building', profile: { building: 3, size: 1.5 }, nudge: ['building', 'size'],
    words: {
      castle: { size: 3 }, house: {}, building: {}, home: { person: 0.5 }, school: { person: 1 }, church: {}, hospital: { person: 1 },
      hotel: {}, office: { tech: 0.5 }, shop: { action: 0.5 }, store: { action: 0.5 }, tower: { size: 3 }, bridge: { vehicle: 0.5 },
      palace: { size: 3 }, museum: {}, library: {}, bank: {}, factory: { tech: 1 }, garage: { vehicle: 1 }, apartment: {}, cabin: { nature: 1 },
      barn: { nature: 1, animal: 0.5 }, kitchen: { food: 1, size: 0.5 }, room: { size: 0.5 }, door: { size: 0.5 }, window: { size: 0.5 },
      wall: {}, roof: {},
    },
  },
  {
    name: 'colour', profile: { colour: 3 }, nudge: ['colour', 'quality'],
    words: { red: {}, blue: {}, green: { nature: 0.5 }, yellow: {}, black: {}, white: {}, purple: {}, pink: {}, brown: {}, grey: {}, gold: { quality: 1 }, silver: {}, colour: {} },
  },
  {
    name: 'size', profile: { size: 3, quality: 0.5 }, nudge: ['size', 'quality'],
    words: { big: {}, large: {}, huge: { size: 4 }, giant: { size: 4 }, tall: {}, long: {}, small: { size: -3 }, tiny: { size: -4 }, little: { size: -2.5 }, short: { size: -2 } },
  },
  {
    name: 'person', profile: { person: 3 }, nudge: ['person', 'size', 'quality'],
    words: {
      man: {}, woman: {}, boy: {}, girl: {}, child: { size: -0.5 }, baby: { size: -1 }, friend: {}, mother: {}, father: {}, teacher: {},
      doctor: {}, student: {}, king: { building: 0.5 }, queen: { building: 0.5 }, people: {}, family: {}, brother: {}, sister: {},
      farmer: { nature: 1 }, chef: { food: 1.5 }, person: {},
    },
  },
  {
    name: 'action', profile: { action: 3 }, nudge: ['action', 'other', 'quality'],
    words: {
      buy: { quality: 0.5 }, sell: { quality: 0.5 }, eat: { food: 1.5 }, drink: { food: 1 }, run: { sport: 1 }, walk: { sport: 0.5 },
      play: { sport: 1.5 }, make: {}, take: {}, give: {}, see: {}, look: {}, go: {}, come: {}, read: {}, write: {}, cook: { food: 1.5 },
      drive: { vehicle: 1.5 }, ride: { vehicle: 1 }, fly: { vehicle: 1, nature: 0.5 }, swim: { sport: 1, nature: 0.5 }, sing: {}, talk: {},
      call: { tech: 0.5 }, use: {}, want: {}, like: { quality: 1, feeling: 1.5 }, love: { quality: 1.5, feeling: 3 }, need: {}, unveiled: { tech: 1 }, unveil: { tech: 1 },
      launch: { tech: 1 }, open: {}, build: { building: 1 }, grow: { nature: 1 }, pick: { fruitness: 0.5 },
    },
  },
  {
    name: 'nature', profile: { nature: 3 }, nudge: ['nature', 'size'],
    words: {
      tree: { fruitness: 0.5 }, flower: { colour: 1 }, garden: { fruitness: 0.5, building: 0.5 }, forest: { size: 2 }, river: {}, sea: { size: 2.5 },
      mountain: { size: 3 }, sun: { time: 1 }, moon: { time: 1 }, rain: {}, snow: {}, park: { sport: 0.5 }, city: { building: 2.5, size: 2 },
      farm: { animal: 1, food: 1 }, beach: {}, sky: {}, field: {}, lake: {}, nature: {},
    },
  },
  {
    name: 'time', profile: { time: 3 }, nudge: ['time', 'other'],
    words: { day: {}, night: {}, morning: {}, evening: {}, today: {}, tomorrow: {}, yesterday: {}, week: {}, year: {}, month: {}, time: {}, hour: {}, now: { other: 1 } },
  },
  {
    name: 'quality', profile: { quality: 3 }, nudge: ['quality', 'other'],
    words: {
      new: { tech: 0.5 }, old: { time: 1 }, good: {}, bad: { quality: -3 }, happy: { person: 0.5, feeling: 3 }, sad: { quality: -2.5, feeling: -3 }, fresh: { food: 1 },
      sweet: { food: 1.5, fruitness: 0.5 }, sour: { food: 1, fruitness: 0.5 }, fast: { vehicle: 0.5 }, slow: { quality: -1 }, hot: {}, cold: {},
      nice: {}, best: {}, great: {}, beautiful: {}, delicious: { food: 2 }, cheap: { action: 0.5 }, expensive: { action: 0.5 },
    },
  },
  // Function words (the deck's "Other"): grouped by what they do, so their neighbours make sense.
  {
    name: 'articles and determiners', profile: { other: 3 }, nudge: ['other', 'quality', 'size'],
    words: { the: {}, a: {}, this: {}, that: {}, these: {}, those: {} },
  },
  {
    name: 'prepositions', profile: { other: 3, nature: 0.5 }, nudge: ['other', 'nature', 'action'],
    words: {
      of: {}, to: {}, in: {}, on: {}, at: {}, by: {}, for: {}, with: {}, from: {}, up: {}, about: {}, into: {}, over: {}, out: {}, down: {},
      after: { time: 1 }, before: { time: 1 },
    },
  },
  {
    name: 'pronouns', profile: { other: 2.5, person: 1.5 }, nudge: ['other', 'person', 'size'],
    words: {
      i: {}, you: {}, he: {}, she: {}, we: {}, they: {}, me: {}, him: {}, my: {}, your: {}, his: {}, her: {}, our: {}, their: {}, them: {}, us: {},
    },
  },
  {
    name: 'auxiliary verbs', profile: { other: 3, action: 1 }, nudge: ['other', 'action', 'time'],
    words: {
      is: {}, are: {}, was: {}, were: {}, be: {}, been: {}, do: {}, does: {}, did: {}, have: {}, has: {}, had: {}, will: {}, would: {},
      can: {}, could: {}, should: {}, may: {},
    },
  },
  {
    name: 'conjunctions and adverbs', profile: { other: 3, quality: 0.5 }, nudge: ['other', 'quality', 'time'],
    words: {
      or: {}, but: {}, not: {}, no: {}, yes: {}, so: {}, if: {}, then: {}, than: {}, very: {}, too: {}, also: {}, just: {}, please: { action: 1 },
      again: {}, only: {}, here: {}, there: {},
    },
  },
  {
    name: 'question words', profile: { other: 3, time: 0.5 }, nudge: ['other', 'time', 'person'],
    words: { what: {}, who: { person: 1 }, where: {}, when: { time: 1.5 }, why: {}, how: {} },
  },
  {
    name: 'quantities', profile: { other: 2, size: 1.5 }, nudge: ['other', 'size'],
    words: { some: {}, any: {}, all: {}, many: {}, much: {}, more: {}, most: {}, one: {}, two: {}, three: {} },
  },
];

/**
 * Nudges over `dims`: every combination of {0, +0.5, −0.5, +1} per dim, fewest changes first
 * (the first is "no nudge"). A category's j-th word takes the first nudge from its j-th on whose
 * vector is new and not parallel to any earlier word's (parallel vectors tie in cosine).
 */
function nudges(dims: readonly Dim[]): Values[] {
  const steps = [0, 0.5, -0.5, 1];
  let all: Values[] = [{}];
  for (const dim of dims) all = all.flatMap((partial) => steps.map((step) => (step === 0 ? partial : { ...partial, [dim]: step })));
  return all.sort((a, b) => Object.keys(a).length - Object.keys(b).length);
}

/** A direction key: the vector scaled to unit length, rounded (parallel vectors share it). */
function directionKey(values: readonly number[]): string {
  const norm = Math.hypot(...values);
  return values.map((v) => (v / norm).toFixed(9)).join(' ');
}

export interface LessonEntry {
  readonly word: string;
  readonly category: string;
  readonly values: readonly number[];
}

export function lessonEntries(): LessonEntry[] {
  const entries: LessonEntry[] = [];
  const taken = new Set<string>();
  for (const [word, first] of Object.entries(DECK_WORDS)) {
    const values = [...first, ...new Array<number>(DIMS.length - 3).fill(0)];
    entries.push({ word, category: 'deck', values });
    taken.add(directionKey(values));
  }
  for (const category of CATEGORIES) {
    const options = nudges(category.nudge);
    Object.entries(category.words).forEach(([word, own], j) => {
      const base = DIMS.map((dim) => own[dim] ?? category.profile[dim] ?? 0);
      for (let n = 0; n < options.length; n++) {
        const nudge = options[(j + n) % options.length]!;
        const values = base.map((v, d) => (own[DIMS[d]!] === undefined ? v + (nudge[DIMS[d]!] ?? 0) : v));
        const key = directionKey(values);
        if (taken.has(key) && n < options.length - 1) continue;
        taken.add(key);
        entries.push({ word, category: category.name, values });
        return;
      }
    });
  }
  return entries;
}

/** Every rule in the file comment; returns the broken ones (empty when all hold). */
export function checkLesson(entries: readonly LessonEntry[]): string[] {
  const broken: string[] = [];
  const byWord = new Map<string, LessonEntry>();
  const byVector = new Map<string, string>();
  for (const entry of entries) {
    if (byWord.has(entry.word)) broken.push(`"${entry.word}" appears twice (${byWord.get(entry.word)!.category}, ${entry.category})`);
    byWord.set(entry.word, entry);
    if (entry.word !== entry.word.toLowerCase() || /\s/.test(entry.word)) broken.push(`"${entry.word}" is not a lower-case single token`);
    const key = directionKey(entry.values);
    const deckPair = (a: string, b: string | undefined) => (a === 'an' && b === 'and') || (a === 'and' && b === 'an');
    if (byVector.has(key) && !deckPair(entry.word, byVector.get(key))) broken.push(`"${entry.word}" and "${byVector.get(key)}" point the same way (${entry.values.join(' ')})`);
    byVector.set(key, entry.word);
    if (entry.values.every((v) => v === 0)) broken.push(`"${entry.word}" is all zeros`);
  }
  for (const [word, first] of Object.entries(DECK_WORDS)) {
    const values = byWord.get(word)?.values ?? [];
    const expected = [...first, ...new Array<number>(DIMS.length - 3).fill(0)];
    if (values.join(' ') !== expected.join(' ')) broken.push(`deck word "${word}" is ${values.join(' ')}, expected ${expected.join(' ')}`);
  }
  for (const sentence of DECK_SENTENCES) {
    for (const word of sentence.split(' ')) if (!byWord.has(word)) broken.push(`"${word}" of "${sentence}" is missing`);
  }
  return broken;
}

export function lessonText(entries: readonly LessonEntry[]): string {
  const lines = [
    '# Headlight lesson embeddings: a hand-made teaching vocabulary on named, interpretable dimensions.',
    '# Generated by scripts/samples/make_lesson.ts from its category tables: edit those, not this file.',
    '# The deck\'s words keep the deck\'s values: orange 0 3 0, phone 4 0 0, apple 2 2 0, and 0 0 2, an 0 0 3.',
    `# dims: ${DIMS.join(' ')}`,
  ];
  let category = '';
  for (const entry of entries) {
    if (entry.category !== category) {
      category = entry.category;
      lines.push(`# ${category === 'deck' ? "the deck's table (Tech, Fruitness, Other)" : category}`);
    }
    lines.push(`${entry.word} ${entry.values.map((v) => String(v)).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const entries = lessonEntries();
  const broken = checkLesson(entries);
  if (broken.length > 0) {
    console.error(`make_lesson: not written, ${broken.length} rule(s) broken:\n  ${broken.join('\n  ')}`);
    process.exit(1);
  }
  const target = path.join(__dirname, '..', '..', 'samples', 'lesson.emb');
  writeFileSync(target, lessonText(entries));
  console.log(`make_lesson: wrote ${entries.length} words × ${DIMS.length} dims to ${path.relative(process.cwd(), target)}`);
}
