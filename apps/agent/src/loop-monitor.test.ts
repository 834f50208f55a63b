import { describe, expect, it } from 'vitest';
import { defaultLoopMonitor, LOOP_BLOCK_WARN_VAR } from './loop-monitor.ts';

describe("the framework's event-loop monitor", () => {
  it('is off unless the operator turns it on', () => {
    const env: NodeJS.ProcessEnv = {};
    defaultLoopMonitor(env);
    expect(env[LOOP_BLOCK_WARN_VAR]).toBe('0');
    const blank: NodeJS.ProcessEnv = { [LOOP_BLOCK_WARN_VAR]: '  ' };
    defaultLoopMonitor(blank);
    expect(blank[LOOP_BLOCK_WARN_VAR]).toBe('0');
  });

  it("keeps the operator's threshold", () => {
    const env: NodeJS.ProcessEnv = { [LOOP_BLOCK_WARN_VAR]: '100' };
    defaultLoopMonitor(env);
    expect(env[LOOP_BLOCK_WARN_VAR]).toBe('100');
  });
});
