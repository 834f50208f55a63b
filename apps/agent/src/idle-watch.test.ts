import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type IdleStep, IdleWatch } from './idle-watch.ts';

describe('IdleWatch', () => {
  let steps: IdleStep[];
  let watch: IdleWatch;

  beforeEach(() => {
    vi.useFakeTimers();
    steps = [];
    watch = new IdleWatch(30_000, (step) => steps.push(step));
    watch.visitorPresent(true);
  });
  afterEach(() => {
    watch.stop();
    vi.useRealTimers();
  });

  it('checks in once after a quiet stretch, then gives up after a second one', () => {
    watch.agentState('listening');
    vi.advanceTimersByTime(29_999);
    expect(steps).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(steps).toEqual(['check_in']);
    // The check-in itself is spoken.
    watch.agentState('thinking');
    watch.agentState('speaking');
    vi.advanceTimersByTime(60_000);
    watch.agentState('listening');
    vi.advanceTimersByTime(30_000);
    expect(steps).toEqual(['check_in', 'give_up']);
  });

  it('counts nothing while staff hold the call, and starts over when they hand it back', () => {
    watch.agentState('listening');
    vi.advanceTimersByTime(30_000);
    expect(steps).toEqual(['check_in']);
    watch.hold(true);
    vi.advanceTimersByTime(300_000);
    expect(steps).toEqual(['check_in']);
    watch.hold(false);
    vi.advanceTimersByTime(29_999);
    expect(steps).toEqual(['check_in']);
    // A fresh stretch: a check-in again, not the goodbye the earlier check-in would lead to.
    vi.advanceTimersByTime(1);
    expect(steps).toEqual(['check_in', 'check_in']);
  });

  it('starts over when the visitor speaks after the check-in', () => {
    watch.agentState('listening');
    vi.advanceTimersByTime(30_000);
    watch.userState('speaking');
    vi.advanceTimersByTime(40_000);
    watch.userState('listening');
    watch.agentState('speaking');
    watch.agentState('listening');
    vi.advanceTimersByTime(30_000);
    expect(steps).toEqual(['check_in', 'check_in']);
  });

  it('does not count while the assistant speaks or the visitor is away from the room', () => {
    watch.agentState('speaking');
    vi.advanceTimersByTime(60_000);
    watch.agentState('listening');
    vi.advanceTimersByTime(20_000);
    watch.visitorPresent(false);
    vi.advanceTimersByTime(60_000);
    expect(steps).toEqual([]);
    watch.visitorPresent(true);
    vi.advanceTimersByTime(30_000);
    expect(steps).toEqual(['check_in']);
  });

  it("keeps counting through the framework's own away state", () => {
    watch.agentState('listening');
    vi.advanceTimersByTime(15_000);
    watch.userState('away');
    vi.advanceTimersByTime(15_000);
    expect(steps).toEqual(['check_in']);
  });

  it('still gives up when the check-in never gets spoken', () => {
    watch.agentState('listening');
    vi.advanceTimersByTime(60_000);
    expect(steps).toEqual(['check_in', 'give_up']);
  });
});
