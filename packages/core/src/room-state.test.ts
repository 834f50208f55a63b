import { describe, expect, it } from 'vitest';
import { parseRoomState } from './room-state.ts';

describe('parseRoomState', () => {
  it('reads what the API writes', () => {
    const id = '7c1e4a52-4a4b-4d8e-9a39-0d3f5a7c1b20';
    const metadata = JSON.stringify({ phase: 'human', escalationId: id, staffName: 'Ana' });
    expect(parseRoomState(metadata)).toEqual({ phase: 'human', escalationId: id, staffName: 'Ana' });
  });

  it("treats empty, foreign or malformed metadata as the assistant's call", () => {
    for (const metadata of [undefined, '', 'not json', '{"phase":"robot"}', '[]']) {
      expect(parseRoomState(metadata)).toEqual({ phase: 'ai' });
    }
  });
});
