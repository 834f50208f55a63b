import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pcm24k } from './audio-cache.ts';
import { pushBounded } from './bounded-list.ts';
import { askedReply, audioFor, type DoubleScript, type Reply, replyForTurn } from './script.ts';

/** Counters shared by the pipeline routes (the HTTP routes keep no session). */
export interface PipelineState {
  transcriptions: number;
  completions: number;
  /** Replies the assistant asked for on its own, beyond the visitor's turns. */
  asked?: number;
  /** The text of each speech (TTS) request, in arrival order (the latest `remember`). */
  speeches?: string[];
}

type ChatRequest = { stream?: boolean; model?: string; messages?: { role?: string }[] };

/**
 * The reply a chat request asks for, read from its own conversation, so that call after call
 * gets the same script: only instructions so far, the greeting; after a tool's output, the
 * turn's `afterTool`; the visitor's latest words, the reply to that turn (counted from the
 * visitor's messages); anything else is the assistant speaking on its own, an asked reply.
 */
function nextCompletion(script: DoubleScript, state: PipelineState, request: ChatRequest): Reply {
  state.completions++;
  const messages = request.messages ?? [];
  const turn = Math.max(0, messages.filter((m) => m.role === 'user').length - 1);
  const last = messages.findLast((m) => m.role !== 'system');
  if (!last) return script.greeting;
  if (last.role === 'tool') {
    return { text: replyForTurn(script, turn).afterTool ?? 'Thank you for calling. Goodbye!' };
  }
  if (last.role === 'user') return replyForTurn(script, turn);
  state.asked = (state.asked ?? 0) + 1;
  return askedReply(script, state.asked - 1);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function handlePipelineRoute(
  req: IncomingMessage,
  res: ServerResponse,
  script: DoubleScript,
  state: PipelineState,
  latencyMs: number,
  remember = Number.POSITIVE_INFINITY,
): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  const body = await readBody(req);
  if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));

  if (req.method === 'POST' && path === '/v1/audio/transcriptions') {
    // Each call walks the script's turns from the first: the n-th utterance overall is turn n
    // modulo their number (a transcription request says nothing of the call it belongs to).
    const n = state.transcriptions++;
    const turn = n % Math.max(1, script.turns.length);
    json(res, 200, { text: replyForTurn(script, turn).transcriptOfUser ?? `utterance ${n + 1}` });
    return;
  }

  if (req.method === 'POST' && path === '/v1/chat/completions') {
    const request = JSON.parse(body.toString('utf8') || '{}') as ChatRequest;
    const reply = nextCompletion(script, state, request);
    const id = `chatcmpl-${randomUUID()}`;
    const base = {
      id,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
    };
    const toolCall = reply.toolCall
      ? [
          {
            index: 0,
            id: `call_${randomUUID().slice(0, 8)}`,
            type: 'function',
            function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.arguments) },
          },
        ]
      : undefined;
    if (!request.stream) {
      json(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: toolCall ? null : reply.text, tool_calls: toolCall },
            finish_reason: toolCall ? 'tool_calls' : 'stop',
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 },
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: unknown, finish: string | null) =>
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    if (toolCall) {
      chunk({ role: 'assistant', tool_calls: toolCall }, null);
      chunk({}, 'tool_calls');
    } else {
      chunk({ role: 'assistant', content: '' }, null);
      for (const word of reply.text.split(/(?<=\s)/)) chunk({ content: word }, null);
      chunk({}, 'stop');
    }
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70 } })}\n\n`,
    );
    res.end('data: [DONE]\n\n');
    return;
  }

  if (req.method === 'POST' && path === '/v1/audio/speech') {
    const request = JSON.parse(body.toString('utf8') || '{}') as { input?: string };
    if (state.speeches) pushBounded(state.speeches, request.input ?? '', remember);
    const turns = [script.greeting, ...script.turns];
    const index = turns.findIndex((t) => t.text === request.input);
    const audio = audioFor(turns[index] ?? { text: '' }, index <= 0 ? 'greeting' : index - 1);
    const pcm = pcm24k(index < 0 ? audioFor({ text: '' }, 99) : audio);
    res.writeHead(200, { 'content-type': 'audio/pcm' });
    res.end(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    return;
  }

  json(res, 404, { error: { message: `the model double has no route ${req.method} ${path}` } });
}
