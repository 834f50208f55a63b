import { describe, expect, it } from 'vitest';
import { defaultMaxCalls, loadAgentConfig } from './agent-config.ts';

const env = {
  INTERNAL_SERVICE_KEY: 'k'.repeat(32),
  OPENAI_API_KEY: 'sk-test',
  LIVEKIT_API_KEY: 'devkey',
  LIVEKIT_API_SECRET: 'secret'.repeat(6),
};

describe('a worker’s call limit', () => {
  it('defaults to three calls per core', () => {
    expect(defaultMaxCalls(1)).toBe(3);
    expect(defaultMaxCalls(2)).toBe(6);
    expect(defaultMaxCalls(8)).toBe(24);
    expect(loadAgentConfig(env).maxCalls).toBe(defaultMaxCalls());
  });

  it('takes AGENT_MAX_CALLS when set, and names it when it is not a number of calls', () => {
    expect(loadAgentConfig({ ...env, AGENT_MAX_CALLS: '12' }).maxCalls).toBe(12);
    expect(() => loadAgentConfig({ ...env, AGENT_MAX_CALLS: '0' })).toThrow(/AGENT_MAX_CALLS/);
  });
});

describe('how long a replacement job process waits while a call sets up', () => {
  it('defaults to one second, takes AGENT_WARMUP_HOLD_MS (0 turns it off), and names it when out of range', () => {
    expect(loadAgentConfig(env).warmupHoldMs).toBe(1000);
    expect(loadAgentConfig({ ...env, AGENT_WARMUP_HOLD_MS: '0' }).warmupHoldMs).toBe(0);
    expect(() => loadAgentConfig({ ...env, AGENT_WARMUP_HOLD_MS: '60000' })).toThrow(/AGENT_WARMUP_HOLD_MS/);
  });
});

describe("how long the assistant's first words cannot be interrupted", () => {
  it("leaves the voice framework's default unless AGENT_AEC_WARMUP_MS is set, and names it when out of range", () => {
    expect(loadAgentConfig(env).voice.aecWarmupMs).toBeUndefined();
    expect(loadAgentConfig({ ...env, AGENT_AEC_WARMUP_MS: '0' }).voice.aecWarmupMs).toBe(0);
    expect(() => loadAgentConfig({ ...env, AGENT_AEC_WARMUP_MS: '-1' })).toThrow(/AGENT_AEC_WARMUP_MS/);
  });
});
