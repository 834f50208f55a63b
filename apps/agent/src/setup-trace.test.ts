import type { Metric } from '@voicedesk/core';
import { describe, expect, it } from 'vitest';
import { SetupTrace } from './setup-trace.ts';

describe('SetupTrace', () => {
  it('reports every step once, when the first greeting audio is out', () => {
    const sent: Metric[] = [];
    let now = 1_000;
    const trace = new SetupTrace(
      (m) => sent.push(m),
      () => now,
    );
    trace.mark('job');
    now = 1_050;
    trace.mark('connected');
    trace.mark('job'); // a second time does not move the first
    trace.greetingFrom('cache');
    now = 1_300;
    trace.mark('greeting');
    expect(sent).toEqual([]);
    trace.mark('firstAudio', 1_320);
    trace.send();
    expect(sent).toEqual([
      {
        turn: 0,
        kind: 'setup',
        values: {
          jobAt: 1_000,
          connectedAt: 1_050,
          assistantAt: null,
          sessionAt: null,
          visitorJoinedAt: null,
          visitorAudioAt: null,
          greetingAt: 1_300,
          firstAudioAt: 1_320,
          greetingSource: 'cache',
          processId: process.pid,
        },
      },
    ]);
  });

  it('sends what it has when a job ends before any audio, and nothing when it reached no step', () => {
    const sent: Metric[] = [];
    new SetupTrace((m) => sent.push(m)).send();
    expect(sent).toEqual([]);
    const trace = new SetupTrace(
      (m) => sent.push(m),
      () => 5,
    );
    trace.mark('job');
    trace.send();
    expect(sent.map((m) => m.values.jobAt)).toEqual([5]);
    expect(sent[0]?.values.firstAudioAt).toBeNull();
  });
});
