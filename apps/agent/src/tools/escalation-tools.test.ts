import { describe, expect, it } from 'vitest';
import type { CallbackResult, PersonAnswer } from '../escalation-requests.ts';
import {
  CALLBACK_FAILED,
  CALLBACK_INCOMPLETE,
  CALLBACK_SAVED,
  requestCallbackTool,
} from './request-callback.ts';
import {
  TRANSFER_FAILED,
  TRANSFER_RINGING,
  TRANSFER_UNANSWERED,
  transferToHumanTool,
} from './transfer-to-human.ts';

const E1 = '0194f3a2-7c1e-7d6b-9a55-1c2d3e4f5a6b';

/** What the framework hands a tool: the speech that called it, whose end the tool may wait for. */
function toolOptions() {
  const done: (() => void)[] = [];
  const options = {
    ctx: { speechHandle: { addDoneCallback: (fn: () => void) => done.push(fn) } },
    toolCallId: 'call_1',
    abortSignal: new AbortController().signal,
  } as unknown as Parameters<ReturnType<typeof transferToHumanTool>['execute']>[1];
  const finishSpeech = () => {
    for (const fn of done) fn();
  };
  return { options, finishSpeech };
}

describe('transfer_to_human', () => {
  const run = async (answer: PersonAnswer) => {
    const reasons: string[] = [];
    const tool = transferToHumanTool({
      askForPerson: async (reason) => {
        reasons.push(reason);
        return answer;
      },
    });
    const result = await tool.execute({ reason: 'The caller asked for a person.' }, toolOptions().options);
    return { result, reasons };
  };

  it('asks the API for a person with the reason and tells the model to keep the visitor company', async () => {
    const { result, reasons } = await run({ kind: 'ringing', escalationId: E1 });
    expect(reasons).toEqual(['The caller asked for a person.']);
    expect(result).toBe(TRANSFER_RINGING);
  });

  it('turns to a callback when nobody is available, and to an apology when the API cannot be reached', async () => {
    expect((await run({ kind: 'unanswered', escalationId: E1 })).result).toBe(TRANSFER_UNANSWERED);
    expect(TRANSFER_UNANSWERED).toContain('request_callback');
    expect((await run({ kind: 'failed' })).result).toBe(TRANSFER_FAILED);
  });

  it('has a description and results fit for the browser: no ids, URLs or internal words', () => {
    const tool = transferToHumanTool({ askForPerson: async () => ({ kind: 'failed' }) });
    for (const text of [tool.description, TRANSFER_RINGING, TRANSFER_UNANSWERED, TRANSFER_FAILED]) {
      expect(text).not.toMatch(/https?:|\/internal|escalation|api/i);
    }
  });
});

describe('request_callback', () => {
  const details = { name: 'Sam', contact: '555 0100', reason: 'An invoice question.' };
  const setup = (result: CallbackResult) => {
    const events: string[] = [];
    const tool = requestCallbackTool({
      saveCallback: async (d) => {
        events.push(`save:${d.name}|${d.contact}|${d.reason}`);
        return result;
      },
      onGoodbye: () => events.push('goodbye'),
      onEndCall: () => events.push('end'),
    });
    return { tool, events };
  };

  it('saves the request, holds the visitor for the goodbye and ends the call once it is said', async () => {
    const { tool, events } = setup('saved');
    const { options, finishSpeech } = toolOptions();
    const result = await tool.execute(details, options);
    expect(result).toBe(CALLBACK_SAVED);
    expect(events).toEqual(['save:Sam|555 0100|An invoice question.', 'goodbye']);
    finishSpeech();
    expect(events).toEqual(['save:Sam|555 0100|An invoice question.', 'goodbye', 'end']);
    // The result is streamed to the browser: it never repeats the visitor's details.
    expect(result).not.toContain('Sam');
    expect(result).not.toContain('555');
  });

  it('keeps the call going when the details are incomplete or the request could not be saved', async () => {
    for (const [outcome, text] of [
      ['incomplete', CALLBACK_INCOMPLETE],
      ['failed', CALLBACK_FAILED],
    ] as const) {
      const { tool, events } = setup(outcome);
      const { options, finishSpeech } = toolOptions();
      expect(await tool.execute(details, options)).toBe(text);
      finishSpeech();
      expect(events).toEqual(['save:Sam|555 0100|An invoice question.']);
    }
  });
});
