/**
 * Realistic-looking calls for the benchmark, generated from the call's index alone (a seeded
 * generator per call), so that each table's rows can be streamed in its own pass without holding
 * a million calls in memory.
 */

const NAMES = [
  'Alice',
  'Bob',
  'Chloé',
  'Dmitri',
  'Emma',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Lena',
];
const PRODUCTS = [
  'blender',
  'kettle',
  'espresso machine',
  'vacuum cleaner',
  'air fryer',
  'toaster',
  'rice cooker',
  'hair dryer',
  'desk lamp',
  'office chair',
  'standing desk',
  'monitor',
  'keyboard',
  'headphones',
  'router',
  'phone case',
  'backpack',
  'running shoes',
  'winter jacket',
  'yoga mat',
];
const CITIES = ['Lyon', 'Berlin', 'Madrid', 'Porto', 'Leeds', 'Gdansk', 'Turin', 'Ghent', 'Bergen', 'Cork'];
const GREETINGS = [
  'Hi, thanks for calling support. How can I help you today?',
  'Hello, you are through to customer support. What can I do for you?',
  'Good day, thanks for getting in touch. How may I help?',
];
const VISITOR_LINES = [
  'I ordered a {product} last week and it still has not arrived.',
  'My {product} stopped working after two days, can I get a refund?',
  'I was charged twice for order {order}.',
  'Can I change the delivery address of order {order} to {city}?',
  'The tracking page for my {product} has not moved since Monday.',
  'How do I return a {product} that I bought as a gift?',
  'Do you ship to {city}, and how long does it take?',
  'I need an invoice for order {order} for my company.',
  'The {product} arrived damaged, the box was crushed.',
  'Is the {product} back in stock anytime soon?',
  'I forgot my password and the reset email never comes.',
  'Can I speak to a person please?',
];
const ASSISTANT_LINES = [
  'I am sorry to hear that. Let me look up order {order} for you.',
  'I can see the {product} left our warehouse in {city} on Tuesday.',
  'I have started a refund, you should see it within five working days.',
  'You can return the {product} within thirty days, the label is free.',
  'I have updated the address, the courier will deliver to {city}.',
  'I have sent a new password reset link, please check your spam folder too.',
  'The {product} should be back in stock in about two weeks.',
  'Let me connect you with a colleague who can help with that.',
  'Is there anything else I can help you with today?',
];
const CLOSINGS = ['Thank you, that is all.', 'Great, thanks for your help. Bye!', 'Perfect, goodbye.'];

const COMPLETED_REASONS = [
  'visitor_hung_up',
  'assistant_ended',
  'visitor_lost',
  'idle',
  'max_duration',
] as const;
const MISSED_REASONS = ['visitor_never_joined', 'assistant_unavailable', 'visitor_hung_up'] as const;
const FAILED_REASONS = ['assistant_lost', 'media_lost'] as const;

/** mulberry32: small, fast, good enough for test data. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const hex = (rand: () => number, digits: number) =>
  Array.from({ length: digits }, () => Math.floor(rand() * 16).toString(16)).join('');

/** A uuid v7 for the given instant: ids sort as the calls were created, as in production. */
export function uuidV7At(ms: number, rand: () => number): string {
  const time = ms.toString(16).padStart(12, '0');
  const variant = (8 + Math.floor(rand() * 4)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(rand, 3)}-${variant}${hex(rand, 3)}-${hex(rand, 12)}`;
}

export interface FakeSegment {
  seq: number;
  speaker: 'ai' | 'visitor';
  text: string;
  startedAt: number;
  endedAt: number;
}

export interface FakeCall {
  id: string;
  siteId: string;
  roomName: string;
  callerName: string | null;
  status: 'completed' | 'missed' | 'failed';
  createdAt: number;
  connectedAt: number | null;
  endedAt: number;
  durationSeconds: number | null;
  endReason: string;
  segments: FakeSegment[];
}

export interface SeedPlan {
  calls: number;
  siteIds: readonly string[];
  /** Calls are spread evenly over [start, end), with a daily rhythm. */
  start: number;
  end: number;
  seed: number;
}

function fill(template: string, rand: () => number): string {
  return template
    .replace('{product}', pick(rand, PRODUCTS))
    .replace('{city}', pick(rand, CITIES))
    .replace('{order}', `A${10_000 + Math.floor(rand() * 90_000)}`);
}

export function fakeCall(plan: SeedPlan, index: number): FakeCall {
  const rand = generator(plan.seed * 7_919 + index);
  const span = plan.end - plan.start;
  // Evenly spread, jittered within a slot: creation order is index order.
  const slot = span / plan.calls;
  const createdAt = Math.floor(plan.start + index * slot + rand() * slot * 0.9);
  const r = rand();
  const status = r < 0.8 ? 'completed' : r < 0.93 ? 'missed' : 'failed';
  const id = uuidV7At(createdAt, rand);
  const siteId = plan.siteIds[index % plan.siteIds.length] as string;
  const callerName = rand() < 0.6 ? pick(rand, NAMES) : null;
  if (status === 'missed') {
    return {
      id,
      siteId,
      roomName: `call-${id}`,
      callerName,
      status,
      createdAt,
      connectedAt: null,
      endedAt: createdAt + 20_000 + Math.floor(rand() * 40_000),
      durationSeconds: null,
      endReason: pick(rand, MISSED_REASONS),
      segments: [],
    };
  }
  const connectedAt = createdAt + 1_000 + Math.floor(rand() * 3_000);
  // ~10 lines, 6 to 14.
  const lines = 6 + Math.floor(rand() * 9);
  const segments: FakeSegment[] = [];
  let at = connectedAt + 500;
  for (let seq = 0; seq < lines; seq++) {
    const speaker = seq % 2 === 0 ? 'ai' : 'visitor';
    const text =
      seq === 0
        ? pick(rand, GREETINGS)
        : seq === lines - 1 && speaker === 'visitor'
          ? pick(rand, CLOSINGS)
          : fill(pick(rand, speaker === 'ai' ? ASSISTANT_LINES : VISITOR_LINES), rand);
    const length = 1_500 + Math.floor(rand() * 5_000);
    segments.push({ seq, speaker, text, startedAt: at, endedAt: at + length });
    at += length + 300 + Math.floor(rand() * 1_500);
  }
  const endedAt = at + 1_000;
  return {
    id,
    siteId,
    roomName: `call-${id}`,
    callerName,
    status,
    createdAt,
    connectedAt,
    endedAt,
    durationSeconds: Math.round((endedAt - connectedAt) / 1000),
    endReason: status === 'completed' ? pick(rand, COMPLETED_REASONS) : pick(rand, FAILED_REASONS),
    segments,
  };
}
