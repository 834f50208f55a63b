import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { pcm24k, REALTIME_RATE } from './audio-cache.ts';
import { EnergyVad } from './energy-vad.ts';
import { askedReply, audioFor, type DoubleScript, FIXTURES_DIR, type Reply, replyForTurn } from './script.ts';

export interface DoubleControls {
  script(): DoubleScript;
  latencyMs(): number;
  defaultSilenceMs: number;
  onResponse(): void;
}

export interface RealtimeSessionInfo {
  id: string;
  model: string | null;
  instructions: string[];
  userTurns: number;
  responses: number;
  /** How much audio each `input_audio_buffer.append` carried (ms), in arrival order. */
  appendedMs: number[];
}

type Json = Record<string, unknown>;
const CHUNK = (REALTIME_RATE * 40) / 1000;
const id = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
const tick = () => new Promise<void>((r) => setImmediate(r));
/**
 * Fixed lines the agent asks for mid-call (an idle check-in, a goodbye) have no fixture of their
 * own: the transcript carries the asked words, the audio is the shortest committed reply.
 */
const FIXED_WORDS_AUDIO = `${FIXTURES_DIR}ai-reply-2.wav`;

/**
 * A model obeys "say exactly <JSON string>" (the agent's wording for fixed lines); the plugin
 * puts the session's instructions first, so the request is the last line.
 */
function exactWords(instructions: string): string | undefined {
  const match = /Say exactly the following and nothing else: ("(?:[^"\\]|\\.)*")\s*$/.exec(instructions);
  if (!match?.[1]) return undefined;
  try {
    const text: unknown = JSON.parse(match[1]);
    return typeof text === 'string' && text ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One Realtime WebSocket session, speaking the server side of the protocol as the
 * installed @livekit/agents-plugin-openai reads it (GA event names).
 */
export class RealtimeSession {
  readonly info: RealtimeSessionInfo;
  private vad: EnergyVad;
  private createResponse = true;
  private greeted = false;
  /** User turns the client put in the conversation itself (a resumed call's history). */
  private historyTurns = 0;
  /** User turns (history included) a reply has answered; a request beyond them is "asked". */
  private answeredTurns = 0;
  private askedReplies = 0;
  private lastItemId: string | null = null;
  private active: { id: string; cancelled: boolean } | undefined;
  private pendingTool: Reply | undefined;

  constructor(
    private ws: WebSocket,
    private controls: DoubleControls,
    model: string | null,
  ) {
    this.info = { id: id('sess'), model, instructions: [], userTurns: 0, responses: 0, appendedMs: [] };
    this.vad = new EnergyVad(controls.defaultSilenceMs);
    ws.on('message', (data) => {
      let event: Json;
      try {
        event = JSON.parse(String(data)) as Json;
      } catch {
        return;
      }
      void this.handle(event).catch((err: unknown) =>
        this.send({ type: 'error', error: { message: String(err) } }),
      );
    });
    this.send({ type: 'session.created', session: { id: this.info.id, model } });
  }

  /** True until the client or the double closes the session's socket. */
  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /**
   * OpenAI's error event for an account that can no longer be served (`insufficient_quota`,
   * `invalid_api_key`): clients give such a session up instead of retrying it.
   */
  failForAccount(code: string): void {
    this.send({ type: 'error', error: { type: code, code, message: `double: ${code}` } });
  }

  private send(event: Json): void {
    if (this.ws.readyState === this.ws.OPEN)
      this.ws.send(JSON.stringify({ event_id: id('event'), ...event }));
  }

  private async handle(event: Json): Promise<void> {
    switch (event.type) {
      case 'session.update': {
        const session = (event.session ?? {}) as Json;
        if (typeof session.instructions === 'string') this.info.instructions.push(session.instructions);
        const turn =
          ((session.audio as Json | undefined)?.input as Json | undefined)?.turn_detection ??
          session.turn_detection;
        if (turn && typeof turn === 'object') {
          const t = turn as Json;
          if (typeof t.silence_duration_ms === 'number') this.vad.silenceMs = t.silence_duration_ms;
          if (typeof t.create_response === 'boolean') this.createResponse = t.create_response;
        }
        this.send({ type: 'session.updated', session: { id: this.info.id, ...session } });
        return;
      }
      case 'input_audio_buffer.append': {
        const bytes = Buffer.from(String(event.audio ?? ''), 'base64');
        const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
        this.info.appendedMs.push((pcm.length * 1000) / REALTIME_RATE);
        for (const v of this.vad.push(pcm)) {
          if (v.type === 'speech_started') {
            this.send({
              type: 'input_audio_buffer.speech_started',
              audio_start_ms: v.audioMs,
              item_id: id('item'),
            });
          } else await this.userTurnEnded(v.audioMs);
        }
        return;
      }
      case 'input_audio_buffer.clear':
        this.vad.reset();
        this.send({ type: 'input_audio_buffer.cleared' });
        return;
      case 'input_audio_buffer.commit':
        this.send({
          type: 'input_audio_buffer.committed',
          item_id: id('item'),
          previous_item_id: this.lastItemId,
        });
        return;
      case 'conversation.item.create': {
        const item: Json = {
          ...(event.item as Json),
          id: (event.item as Json | undefined)?.id ?? id('item'),
        };
        this.addItem(item);
        if (item.type === 'function_call_output') this.pendingToolOutput = true;
        // History handed over by a resumed call: the script goes on after the turns it holds.
        if (item.type === 'message' && item.role === 'user') this.historyTurns++;
        if (item.type === 'message' && item.role === 'assistant') {
          this.greeted = true;
          // An assistant line in handed-over history answers the user lines before it.
          this.answeredTurns = this.historyTurns + this.info.userTurns;
        }
        return;
      }
      case 'conversation.item.delete':
        this.send({ type: 'conversation.item.deleted', item_id: event.item_id });
        return;
      case 'conversation.item.truncate':
        this.send({
          type: 'conversation.item.truncated',
          item_id: event.item_id,
          content_index: event.content_index ?? 0,
          audio_end_ms: event.audio_end_ms ?? 0,
        });
        return;
      case 'response.cancel':
        if (this.active) this.active.cancelled = true;
        return;
      case 'response.create': {
        const response = event.response as Json | undefined;
        const meta = (response?.metadata ?? undefined) as Json | undefined;
        const instructions = typeof response?.instructions === 'string' ? response.instructions : undefined;
        await this.respond(this.nextClientReply(instructions), meta);
        return;
      }
      default:
        return;
    }
  }

  private pendingToolOutput = false;

  private nextClientReply(instructions?: string): { reply: Reply; audio: string } {
    const script = this.controls.script();
    // A request with instructions is the agent asking for something of its own: a tool reply
    // owed before it was never asked for (the framework interrupted it, as when staff take the
    // call), and a real model answers what is asked now.
    if (instructions !== undefined && this.pendingToolOutput) {
      this.pendingToolOutput = false;
      this.pendingTool = undefined;
    }
    if (this.pendingToolOutput && this.pendingTool) {
      const text = this.pendingTool.afterTool ?? 'Thank you for calling. Goodbye!';
      this.pendingToolOutput = false;
      this.pendingTool = undefined;
      return { reply: { text }, audio: audioFor({ text }, 1) };
    }
    if (!this.greeted) {
      this.greeted = true;
      return { reply: script.greeting, audio: audioFor(script.greeting, 'greeting') };
    }
    const fixed = instructions ? exactWords(instructions) : undefined;
    if (fixed) return { reply: { text: fixed }, audio: FIXED_WORDS_AUDIO };
    const heard = this.historyTurns + this.info.userTurns;
    if (heard <= this.answeredTurns) {
      // Nothing of the visitor's is left unanswered: the agent asks on its own (say you are back,
      // offer a callback); answering the last turn again would repeat its tool call.
      const reply = askedReply(script, this.askedReplies++);
      return { reply, audio: audioFor(reply, 99) };
    }
    this.answeredTurns = heard;
    const turn = Math.max(0, heard - 1);
    const reply = replyForTurn(script, turn);
    return { reply, audio: audioFor(reply, turn) };
  }

  private addItem(item: Json): void {
    const previous = this.lastItemId;
    this.lastItemId = String(item.id);
    this.send({ type: 'conversation.item.created', previous_item_id: previous, item });
    this.send({ type: 'conversation.item.added', previous_item_id: previous, item });
    this.send({ type: 'conversation.item.done', previous_item_id: previous, item });
  }

  private async userTurnEnded(audioMs: number): Promise<void> {
    const turn = this.historyTurns + this.info.userTurns;
    this.info.userTurns++;
    const itemId = id('item');
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: audioMs, item_id: itemId });
    this.send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: this.lastItemId });
    this.addItem({
      id: itemId,
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_audio', transcript: null }],
    });
    const reply = replyForTurn(this.controls.script(), turn);
    this.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: itemId,
      content_index: 0,
      transcript: reply.transcriptOfUser ?? `utterance ${turn + 1}`,
    });
    if (this.createResponse) {
      this.greeted = true;
      this.answeredTurns = turn + 1;
      await this.respond({ reply, audio: audioFor(reply, turn) }, undefined);
    }
  }

  private async respond(next: { reply: Reply; audio: string }, metadata: Json | undefined): Promise<void> {
    const responseId = id('resp');
    const active = { id: responseId, cancelled: false };
    this.active = active;
    this.info.responses++;
    this.controls.onResponse();
    const response = (status: string, extra: Json = {}) => ({
      id: responseId,
      object: 'realtime.response',
      status,
      metadata: metadata ?? null,
      ...extra,
    });
    this.send({ type: 'response.created', response: response('in_progress', { output: [] }) });
    const latency = this.controls.latencyMs();
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));

    const output: Json[] = [];
    if (next.reply.toolCall && !active.cancelled) {
      this.pendingTool = next.reply;
      const item = {
        id: id('item'),
        type: 'function_call',
        status: 'completed',
        call_id: id('call'),
        name: next.reply.toolCall.name,
        arguments: JSON.stringify(next.reply.toolCall.arguments),
      };
      this.send({
        type: 'response.output_item.added',
        response_id: responseId,
        output_index: 0,
        item: { ...item, arguments: '' },
      });
      this.send({
        type: 'response.function_call_arguments.done',
        response_id: responseId,
        item_id: item.id,
        output_index: 0,
        call_id: item.call_id,
        name: item.name,
        arguments: item.arguments,
      });
      this.send({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item });
      this.addItem(item);
      output.push(item);
    } else {
      output.push(await this.speak(responseId, active, next));
    }
    const outputTokens = Math.ceil(next.reply.text.length / 4) + 20;
    this.send({
      type: 'response.done',
      response: response(active.cancelled ? 'cancelled' : 'completed', {
        output,
        usage: {
          total_tokens: 120 + outputTokens,
          input_tokens: 120,
          output_tokens: outputTokens,
          input_token_details: { text_tokens: 100, audio_tokens: 20, cached_tokens: 0 },
          output_token_details: { text_tokens: 20, audio_tokens: outputTokens - 20 },
        },
      }),
    });
    if (this.active === active) this.active = undefined;
  }

  private async speak(
    responseId: string,
    active: { cancelled: boolean },
    next: { reply: Reply; audio: string },
  ) {
    const itemId = id('item');
    const base = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 };
    const item = {
      id: itemId,
      type: 'message',
      role: 'assistant',
      status: 'in_progress',
      content: [] as Json[],
    };
    this.send({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item });
    this.addItem(item);
    this.send({ type: 'response.content_part.added', ...base, part: { type: 'audio', transcript: '' } });
    const pcm = pcm24k(next.audio);
    const words = next.reply.text.split(/(?<=\s)/);
    const chunks = Math.ceil(pcm.length / CHUNK);
    let sentWords = 0;
    let transcript = '';
    for (let i = 0; i < chunks && !active.cancelled; i++) {
      const slice = pcm.subarray(i * CHUNK, (i + 1) * CHUNK);
      const delta = Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString('base64');
      this.send({ type: 'response.output_audio.delta', ...base, delta });
      // Spread the transcript over the audio, as the real service interleaves them.
      const due = Math.ceil(((i + 1) / chunks) * words.length);
      for (; sentWords < due; sentWords++) {
        const word = words[sentWords] ?? '';
        transcript += word;
        this.send({ type: 'response.output_audio_transcript.delta', ...base, delta: word });
      }
      if (i % 10 === 9) await tick();
    }
    this.send({ type: 'response.output_audio.done', ...base });
    this.send({ type: 'response.output_audio_transcript.done', ...base, transcript });
    const part = { type: 'audio', transcript };
    this.send({ type: 'response.content_part.done', ...base, part });
    const done = { ...item, status: active.cancelled ? 'incomplete' : 'completed', content: [part] };
    this.send({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item: done });
    return done;
  }
}
