import { describe, expect, it } from 'vitest';
import type { AgentDispatchState } from './livekit-gateway.ts';
import { needsNewAssistant, needsRedispatch } from './redispatch.ts';

const AGENT = 'voicedesk-support';
const NOW = 1_800_000_000_000;
const WAIT_MS = 3_000;

/** A dispatch made `ageMs` before now, with `jobs` jobs handed to workers. */
const made = (ageMs: number, jobs: number, agentName = AGENT): AgentDispatchState => ({
  agentName,
  createdAtMs: NOW - ageMs,
  jobs,
});
const decide = (...dispatches: AgentDispatchState[]) => needsRedispatch(dispatches, AGENT, NOW, WAIT_MS);

describe('needsRedispatch', () => {
  it('dispatches again once every dispatch of the assistant has gone unassigned for the wait', () => {
    expect(decide(made(3_000, 0))).toBe(true);
    expect(decide(made(9_000, 0), made(4_000, 0))).toBe(true);
  });

  it('waits while the newest dispatch may still be on its way to a worker', () => {
    expect(decide(made(9_000, 0), made(1_000, 0))).toBe(false);
  });

  it('leaves a call alone once any dispatch of its assistant got a job', () => {
    expect(decide(made(9_000, 1), made(4_000, 0))).toBe(false);
  });

  it("counts only this platform's assistant: another agent's job in the room does not answer the call", () => {
    expect(decide(made(9_000, 1, 'someone-else'), made(4_000, 0))).toBe(true);
  });
});

describe('needsNewAssistant', () => {
  const lostAt = NOW - 2_000;
  const decideLost = (...dispatches: AgentDispatchState[]) =>
    needsNewAssistant(dispatches, AGENT, { atMs: lostAt, count: 1 }, NOW, WAIT_MS);

  it('dispatches at once after the loss, whatever job the first dispatch had', () => {
    expect(decideLost(made(60_000, 1))).toBe(true);
  });

  it('waits for a dispatch made since the loss, and leaves the call alone once it has a job', () => {
    expect(decideLost(made(60_000, 1), made(1_000, 0))).toBe(false);
    expect(decideLost(made(60_000, 1), made(1_500, 1))).toBe(false);
  });

  it('dispatches again when no worker took the one made since the loss', () => {
    const later = needsNewAssistant(
      [made(60_000, 1), made(1_500, 0)],
      AGENT,
      { atMs: lostAt, count: 1 },
      NOW + 3_000,
      WAIT_MS,
    );
    expect(later).toBe(true);
  });

  it('waits longer after each assistant the call lost, up to a minute, so a failing model does not start a job process every few seconds', () => {
    // The first dispatch is long gone; the call has lost `count` assistants, the last `sinceMs` ago.
    const after = (count: number, sinceMs: number) =>
      needsNewAssistant([made(600_000, 1)], AGENT, { atMs: NOW - sinceMs, count }, NOW, WAIT_MS);
    expect(after(1, 0)).toBe(true);
    expect([after(2, 5_999), after(2, 6_000)]).toEqual([false, true]);
    expect([after(3, 11_999), after(3, 12_000)]).toEqual([false, true]);
    expect([after(9, 59_999), after(9, 60_000)]).toEqual([false, true]);
  });
});
