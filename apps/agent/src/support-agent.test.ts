import { llm } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import { resumedChatContext } from './support-agent.ts';

describe('resumedChatContext', () => {
  it('gives a resumed assistant the talk so far, visitor as user, in order', () => {
    const ctx = resumedChatContext([
      { speaker: 'assistant', text: 'Hi, how can I help?' },
      { speaker: 'visitor', text: 'My order is late' },
    ]);
    const messages = ctx.items.filter((i): i is llm.ChatMessage => i instanceof llm.ChatMessage);
    expect(messages.map((m) => [m.role, m.textContent])).toEqual([
      ['assistant', 'Hi, how can I help?'],
      ['user', 'My order is late'],
    ]);
  });
});
