import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../../tests/fixtures/', import.meta.url));

export interface Reply {
  text: string;
  /** What the double claims the visitor said in the turn this reply answers. */
  transcriptOfUser?: string;
  toolCall?: { name: string; arguments: Record<string, unknown> };
  /** Spoken after the client returns the tool's output. */
  afterTool?: string;
  /** Absolute path of a WAV to speak; defaults to the committed fixtures. */
  audio?: string;
}

/** What the AI says: the greeting, then a reply to the n-th visitor utterance. */
export interface DoubleScript {
  greeting: Reply;
  turns: Reply[];
  /**
   * Replies to what the agent asks of the model on its own (a reply with instructions, such as
   * "say you are back") when no visitor turn is left unanswered, in order; then GENERIC_REPLY.
   */
  asked?: Reply[];
  /**
   * What the streaming transcription sessions (`/v1/realtime?intent=transcription`) hear: the
   * n-th utterance across all of them, in the order their speech ends; then `staff utterance N`.
   * The worker opens them while staff hold a call (for the staff member and the visitor), so
   * a test that has both speak then scripts both lines here, in spoken order.
   */
  streamTranscripts?: string[];
}

export const defaultDemoScript: DoubleScript = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: "Hi, I can't log in to my account",
      text: 'I can help with that. Have you tried resetting your password?',
    },
    { transcriptOfUser: 'That helps a lot, thank you, goodbye.', text: 'You are welcome. Goodbye!' },
  ],
};

export const GENERIC_REPLY: Reply = {
  text: 'Sure, I can help with that. Could you tell me a little more?',
  audio: `${FIXTURES_DIR}ai-reply-generic.wav`,
};

export function streamTranscript(script: DoubleScript, n: number): string {
  return script.streamTranscripts?.[n] ?? `staff utterance ${n + 1}`;
}

export function askedReply(script: DoubleScript, n: number): Reply {
  return script.asked?.[n] ?? GENERIC_REPLY;
}

/** Issue 14's escalation: the visitor asks for a person and the assistant hands the call over. */
export const escalationScript: DoubleScript = {
  greeting: { text: 'Hi, thanks for calling VoiceDesk support. How can I help you today?' },
  turns: [
    {
      transcriptOfUser: 'Can I talk to a person, please?',
      text: '',
      toolCall: { name: 'transfer_to_human', arguments: { reason: 'The caller asked to talk to a person.' } },
      afterTool:
        "Of course. I'm finding someone from the team for you, and I'll stay with you while we wait.",
    },
  ],
  asked: [{ text: "I'm back with you. Is there anything else I can help with?" }],
  streamTranscripts: ['Hello, this is Ana from the support team. How can I help?'],
};

/**
 * Nobody takes the call: the assistant offers a callback (an `asked` reply), the visitor gives
 * their details, and the assistant stores the request and says goodbye.
 */
export const callbackScript: DoubleScript = {
  greeting: escalationScript.greeting,
  turns: [
    ...escalationScript.turns,
    {
      transcriptOfUser: 'Yes please. I am Sam, my number is 555 0100, it is about my invoice.',
      text: '',
      toolCall: {
        name: 'request_callback',
        arguments: { name: 'Sam', contact: '555 0100', reason: 'A question about an invoice.' },
      },
      afterTool: 'Thank you, someone from the team will call you back soon. Goodbye!',
    },
  ],
  asked: [
    {
      text: "I'm sorry, nobody from the team is free right now. Would you like someone to call you back?",
    },
  ],
};

export function replyForTurn(script: DoubleScript, turn: number): Reply {
  return script.turns[turn] ?? GENERIC_REPLY;
}

export function audioFor(reply: Reply, which: 'greeting' | number): string {
  if (reply.audio) return reply.audio;
  if (which === 'greeting') return `${FIXTURES_DIR}ai-greeting.wav`;
  return which < 2 ? `${FIXTURES_DIR}ai-reply-${which + 1}.wav` : (GENERIC_REPLY.audio ?? '');
}
