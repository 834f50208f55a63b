import { describe, expect, it } from 'vitest';
import { type EventSourceLike, LiveEventHub } from './live-event-hub.ts';

/** An EventSource the test drives: open, named events, errors, a closed stream. */
class FakeSource extends EventTarget implements EventSourceLike {
  static made: FakeSource[] = [];
  readyState = 0;
  closed = false;
  constructor(readonly url: string) {
    super();
    FakeSource.made.push(this);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  send(name: string, data: unknown) {
    this.dispatchEvent(
      new MessageEvent(name, { data: typeof data === 'string' ? data : JSON.stringify(data) }),
    );
  }
  fail(closed: boolean) {
    this.readyState = closed ? 2 : 0;
    this.dispatchEvent(new Event('error'));
  }
}

function hub() {
  FakeSource.made = [];
  const retries: Array<() => void> = [];
  const h = new LiveEventHub({
    url: '/v1/live/events',
    open: (url) => new FakeSource(url),
    retryLater: (fn) => {
      retries.push(fn);
      return () => undefined;
    },
  });
  return { h, retries, source: () => FakeSource.made.at(-1) as FakeSource };
}

describe('one live event stream shared by every page', () => {
  it('hands each named event to its listeners, parsed, and skips malformed data', () => {
    const { h, source } = hub();
    const offers: string[] = [];
    const stop = h.on('offer', (e) => offers.push(e.escalation.id));
    h.start();
    source().open();
    source().send('offer', { escalation: { id: 'e1' } });
    source().send('offer', '{not json');
    stop();
    source().send('offer', { escalation: { id: 'e2' } });
    expect(offers).toEqual(['e1']);
    expect(FakeSource.made).toHaveLength(1);
  });

  it('tells listeners each time it (re)connects, so they reload what the stream does not replay', () => {
    const { h, source } = hub();
    const states: string[] = [];
    let opens = 0;
    h.onOpen(() => {
      opens += 1;
    });
    h.subscribe(() => states.push(h.connection));
    h.start();
    source().open();
    source().fail(false);
    source().open();
    expect(opens).toBe(2);
    expect(states).toEqual(['open', 'reconnecting', 'open']);
  });

  it('opens a new stream later when the browser gave up on one (it does not retry a refused stream)', () => {
    const { h, retries, source } = hub();
    let closedSeen = 0;
    h.onClosed(() => {
      closedSeen += 1;
    });
    h.start();
    source().fail(true);
    expect(closedSeen).toBe(1);
    expect(retries).toHaveLength(1);
    retries[0]?.();
    expect(FakeSource.made).toHaveLength(2);
    h.stop();
    expect(source().closed).toBe(true);
  });
});
