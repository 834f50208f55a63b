import { describe, expect, it } from 'vitest';
import { callSetup } from './call-setup.ts';

const created = '2026-11-26T10:00:00.000Z';
const at = (ms: number) => Date.parse(created) + ms;

describe("a call's setup, from the worker's trace", () => {
  it('lists each step as ms after the call was created and the time it took', () => {
    const setup = callSetup(
      [
        { turn: 0, kind: 'realtime', values: { ttftMs: 300 } },
        {
          turn: 0,
          kind: 'setup',
          values: {
            jobAt: at(120),
            connectedAt: at(400),
            assistantAt: at(180),
            sessionAt: at(520),
            visitorJoinedAt: at(350),
            visitorAudioAt: at(560),
            greetingAt: at(560),
            firstAudioAt: at(590.4),
            greetingSource: 'cache',
            processId: 4242,
          },
        },
      ],
      created,
    );
    expect(setup?.greetingSource).toBe('kept audio of the site’s greeting');
    expect(setup?.from).toBe('created');
    expect(setup?.rows).toEqual([
      { label: 'Call created', atMs: 0, stepMs: 0 },
      { label: 'A worker process took the call', atMs: 120, stepMs: 120 },
      { label: 'Site settings loaded', atMs: 180, stepMs: 60 },
      { label: 'Visitor joined', atMs: 350, stepMs: 170 },
      { label: 'Assistant joined the room', atMs: 400, stepMs: 50 },
      { label: 'Voice session started', atMs: 520, stepMs: 120 },
      { label: "Visitor's microphone connected", atMs: 560, stepMs: 40 },
      { label: 'Greeting started', atMs: 560, stepMs: 0 },
      { label: 'First greeting audio sent', atMs: 590, stepMs: 30 },
    ]);
  });

  it('shows the steps a call reached when it stopped short, and nothing without a trace', () => {
    const short = callSetup(
      [{ turn: 0, kind: 'setup', values: { jobAt: at(100), connectedAt: null, greetingSource: null } }],
      created,
    );
    expect(short).toEqual({
      from: 'created',
      rows: [
        { label: 'Call created', atMs: 0, stepMs: 0 },
        { label: 'A worker process took the call', atMs: 100, stepMs: 100 },
      ],
      greetingSource: null,
    });
    expect(callSetup([], created)).toBeUndefined();
  });

  it("counts from the visitor's press when the widget sent it", () => {
    const setup = callSetup(
      [
        { turn: 0, kind: 'press', values: { pressedAt: at(-80), receivedAt: at(0) } },
        { turn: 0, kind: 'setup', values: { jobAt: at(120), firstAudioAt: at(600) } },
      ],
      created,
    );
    expect(setup?.from).toBe('press');
    expect(setup?.rows).toEqual([
      { label: 'Call created', atMs: 80, stepMs: 80 },
      { label: 'A worker process took the call', atMs: 200, stepMs: 120 },
      { label: 'First greeting audio sent', atMs: 680, stepMs: 480 },
    ]);
  });
});
