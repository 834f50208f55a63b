import { llm } from '@livekit/agents';
import type { RoomState } from '@voicedesk/core';
import { describe, expect, it } from 'vitest';
import type { PersonAnswer } from './escalation-requests.ts';
import { BACK_AFTER_STAFF_LEFT, BACK_FROM_STAFF, Handoff, OFFER_CALLBACK } from './handoff.ts';
import type { AgentLogger } from './logger.ts';

const E1 = '0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6b';
const E2 = '0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6c';
const STAFF = 'staff:0194f3a2-0000-7d6b-9a55-1c2d3e4f5a6b' as const;
const silent: AgentLogger = { info() {}, warn() {}, error() {}, debug() {} } as unknown as AgentLogger;

function setup(answer: PersonAnswer = { kind: 'ringing', escalationId: E1 }) {
  const calls: string[] = [];
  const replies: string[] = [];
  let chatCtx = llm.ChatContext.empty();
  let release: (() => void) | undefined;
  let answerGate: Promise<void> = Promise.resolve();
  const session = {
    input: { setAudioEnabled: (on: boolean) => calls.push(`input:${on}`) },
    interrupt: (o?: { force?: boolean }) => calls.push(`interrupt:${o?.force === true}`),
    clearUserTurn: () => calls.push('clearUserTurn'),
    generateReply: (o: { instructions: string }) => replies.push(o.instructions),
  };
  const handoff = new Handoff({
    session,
    agent: {
      get chatCtx() {
        return chatCtx;
      },
      updateChatCtx: async (ctx) => {
        chatCtx = ctx;
      },
    },
    side: {
      setVisitor: async (on) => {
        calls.push(`sideVisitor:${on}`);
      },
    },
    askForPerson: async () => {
      await answerGate;
      return answer;
    },
    onHold: (held) => calls.push(`hold:${held}`),
    ending: () => false,
    logger: silent,
  });
  return {
    handoff,
    calls,
    replies,
    chat: () =>
      chatCtx.items
        .filter((i): i is llm.ChatMessage => i instanceof llm.ChatMessage)
        .map((m) => [m.role, m.textContent]),
    /** The API's answer to the transfer waits until `release()`. */
    holdAnswer() {
      answerGate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release?.(),
  };
}

const human: RoomState = { phase: 'human', escalationId: E1, staffName: 'Ana' };

describe('Handoff', () => {
  it('goes quiet at once when staff take the call: speech interrupted, visitor audio off the session', async () => {
    const t = setup();
    await t.handoff.apply({ phase: 'waiting_human', escalationId: E1 }, false);
    expect(t.calls).toEqual([]);
    await t.handoff.apply(human, false);
    expect(t.handoff.quiet).toBe(true);
    expect(t.calls).toEqual([
      'hold:true',
      'input:false',
      'clearUserTurn',
      'interrupt:true',
      'sideVisitor:true',
    ]);
    expect(t.replies).toEqual([]);
  });

  it('cuts any speech the session starts while staff hold the call', async () => {
    const t = setup();
    let interrupted: boolean | undefined;
    const handle = { interrupt: (force: boolean) => (interrupted = force) } as unknown as Parameters<
      Handoff['speechCreated']
    >[0];
    t.handoff.speechCreated(handle);
    expect(interrupted).toBeUndefined();
    await t.handoff.apply(human, false);
    t.handoff.speechCreated(handle);
    expect(interrupted).toBe(true);
  });

  it('comes back when staff hand the call back, knowing what was said meanwhile', async () => {
    const t = setup();
    t.handoff.heard({ type: 'final', speaker: 'visitor', text: 'Before staff came', at: 1 });
    await t.handoff.apply(human, false);
    t.handoff.heard({ type: 'started', speaker: STAFF, at: 2 });
    t.handoff.heard({ type: 'final', speaker: STAFF, text: 'Hello, this is Ana.', at: 3 });
    t.handoff.heard({ type: 'final', speaker: 'visitor', text: 'My order is late.', at: 4 });
    t.calls.length = 0;
    await t.handoff.apply({ phase: 'ai', escalationId: E1, outcome: 'staff' }, false);
    expect(t.handoff.quiet).toBe(false);
    expect(t.calls).toEqual(['sideVisitor:false', 'input:true', 'hold:false']);
    expect(t.chat()).toEqual([
      [
        'system',
        'While a member of the support team had the call, this was said:\n' +
          'Support team: Hello, this is Ana.\nCaller: My order is late.',
      ],
    ]);
    expect(t.replies).toEqual([BACK_FROM_STAFF]);
  });

  it('says it is back when the staff member left without handing back', async () => {
    const t = setup();
    await t.handoff.apply(human, false);
    await t.handoff.apply({ phase: 'ai', escalationId: E1, outcome: 'staff_left' }, false);
    expect(t.replies).toEqual([BACK_AFTER_STAFF_LEFT]);
  });

  it('offers a callback once when nobody took the call', async () => {
    const t = setup();
    await t.handoff.apply({ phase: 'waiting_human', escalationId: E1 }, false);
    await t.handoff.apply({ phase: 'ai', escalationId: E1, outcome: 'expired' }, false);
    await t.handoff.apply({ phase: 'ai', escalationId: E1, outcome: 'expired' }, false);
    expect(t.replies).toEqual([OFFER_CALLBACK]);
    // A later escalation of the same call that is missed too gets its own offer.
    await t.handoff.apply({ phase: 'ai', escalationId: E2, outcome: 'declined' }, false);
    expect(t.replies).toEqual([OFFER_CALLBACK, OFFER_CALLBACK]);
  });

  it("leaves an immediate miss to the tool's own result, even when the metadata comes first", async () => {
    const t = setup({ kind: 'unanswered', escalationId: E1 });
    t.holdAnswer();
    const asked = t.handoff.askForPerson('The caller asked for a person.');
    const applied = t.handoff.apply({ phase: 'ai', escalationId: E1, outcome: 'nobody_available' }, false);
    t.release();
    expect(await asked).toEqual({ kind: 'unanswered', escalationId: E1 });
    await applied;
    expect(t.replies).toEqual([]);
  });

  it('takes a miss it finds at job start as the starting point, not as news', async () => {
    const t = setup();
    await t.handoff.apply({ phase: 'ai', escalationId: E1, outcome: 'expired' }, true);
    expect(t.replies).toEqual([]);
  });

  it('is quiet from the start when a restarted job finds staff holding the call', async () => {
    const t = setup();
    await t.handoff.apply(human, true);
    expect(t.handoff.quiet).toBe(true);
    expect(t.calls).toContain('input:false');
  });
});
