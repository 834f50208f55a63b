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

export function replyForTurn(script: DoubleScript, turn: number): Reply {
  return script.turns[turn] ?? GENERIC_REPLY;
}

export function audioFor(reply: Reply, which: 'greeting' | number): string {
  if (reply.audio) return reply.audio;
  if (which === 'greeting') return `${FIXTURES_DIR}ai-greeting.wav`;
  return which < 2 ? `${FIXTURES_DIR}ai-reply-${which + 1}.wav` : (GENERIC_REPLY.audio ?? '');
}
