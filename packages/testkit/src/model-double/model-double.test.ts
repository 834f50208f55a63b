import { initializeLogger, llm, type metrics } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import OpenAI from 'openai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { readWav, resample, rms } from '../audio/wav.ts';
import { type ModelDouble, startModelDouble } from './model-double.ts';
import { FIXTURES_DIR, type Reply } from './script.ts';

type Generation = llm.GenerationCreatedEvent;

beforeAll(() => {
  initializeLogger({ pretty: false, level: 'warn' });
});

let double: ModelDouble | undefined;
let sessions: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  sessions = [];
  await double?.close();
});

const script = {
  greeting: { text: 'Hello from the double.' },
  turns: [
    { transcriptOfUser: "I can't log in", text: 'Try resetting your password.' },
    { transcriptOfUser: 'Bye', text: 'Goodbye.', toolCall: { name: 'end_call', arguments: {} } },
  ],
};

/** Reads one generated message to the end: its transcript and the energy of its audio. */
async function drain(gen: Generation) {
  const reader = gen.messageStream.getReader();
  const { value: message } = await reader.read();
  if (!message) return { text: '', samples: 0, rms: 0 };
  let text = '';
  let samples = 0;
  let energy = 0;
  const audio = message.audioStream.getReader();
  const textReader = message.textStream.getReader();
  await Promise.all([
    (async () => {
      for (;;) {
        const { done, value } = await audio.read();
        if (done) break;
        samples += value.samplesPerChannel;
        energy = Math.max(energy, rms(value.data));
      }
    })(),
    (async () => {
      for (;;) {
        const { done, value } = await textReader.read();
        if (done) break;
        text += String(value);
      }
    })(),
  ]);
  return { text, samples, rms: energy };
}

function realtimeSession(url: string) {
  const model = new openai.realtime.RealtimeModel({
    baseURL: url,
    apiKey: 'test',
    model: 'gpt-realtime',
    turnDetection: { type: 'server_vad', silence_duration_ms: 500, create_response: true },
  });
  const session = model.session();
  sessions.push(session);
  return session;
}

describe('model double against the real OpenAI Realtime plugin', () => {
  it('answers generateReply with the scripted greeting as real speech audio and usage', async () => {
    double = await startModelDouble({ script });
    const session = realtimeSession(double.url);
    const collected: metrics.RealtimeModelMetrics[] = [];
    session.on('metrics_collected', (m: metrics.RealtimeModelMetrics) => collected.push(m));
    const gen = await session.generateReply('Greet the caller');
    const heard = await drain(gen);
    expect(heard.text).toBe('Hello from the double.');
    expect(heard.samples / 24_000).toBeGreaterThan(1.5);
    expect(heard.rms).toBeGreaterThan(1_000);
    await expect.poll(() => collected.length).toBe(1);
    expect(collected[0]?.outputTokens).toBeGreaterThan(0);
    expect(double.sessions[0]?.model).toBe('gpt-realtime');
  });

  it('detects the visitor speech in pushed audio, transcribes it from the script and answers', async () => {
    double = await startModelDouble({ script });
    const session = realtimeSession(double.url);
    const transcripts: string[] = [];
    session.on('input_audio_transcription_completed', (e: { transcript: string; isFinal: boolean }) => {
      if (e.isFinal) transcripts.push(e.transcript);
    });
    const generated = new Promise<Generation>((resolve) => session.once('generation_created', resolve));
    const wav = readWav(`${FIXTURES_DIR}visitor-1.wav`);
    const { AudioFrame } = await import('@livekit/rtc-node');
    const pcm = resample(wav.samples, wav.sampleRate, 24_000);
    const silence = new Int16Array(24_000);
    for (const part of [pcm, silence]) {
      for (let i = 0; i + 480 <= part.length; i += 480) {
        session.pushAudio(new AudioFrame(part.slice(i, i + 480), 24_000, 1, 480));
      }
    }
    const heard = await drain(await generated);
    expect(transcripts).toEqual(["I can't log in"]);
    expect(heard.text).toBe('Try resetting your password.');
    expect(heard.rms).toBeGreaterThan(1_000);
  });

  it('answers a resumed conversation from where its history left off', async () => {
    // A resumed call hands the model what was said before: the double's script goes on from there.
    const resumed = {
      greeting: { text: 'Hello from the double.' },
      turns: [
        { transcriptOfUser: "I can't log in", text: 'Try resetting your password.' },
        { transcriptOfUser: 'That worked', text: 'Glad to hear it.' },
      ],
    };
    double = await startModelDouble({ script: resumed });
    const session = realtimeSession(double.url);
    const { llm } = await import('@livekit/agents');
    const history = llm.ChatContext.empty();
    history.addMessage({ role: 'assistant', content: resumed.greeting.text });
    history.addMessage({ role: 'user', content: "I can't log in" });
    history.addMessage({ role: 'assistant', content: 'Try resetting your password.' });
    await session.updateChatCtx(history);
    const transcripts: string[] = [];
    session.on('input_audio_transcription_completed', (e: { transcript: string; isFinal: boolean }) => {
      if (e.isFinal) transcripts.push(e.transcript);
    });
    const generated = new Promise<Generation>((resolve) => session.once('generation_created', resolve));
    const wav = readWav(`${FIXTURES_DIR}visitor-2.wav`);
    const { AudioFrame } = await import('@livekit/rtc-node');
    const pcm = resample(wav.samples, wav.sampleRate, 24_000);
    const silence = new Int16Array(24_000);
    for (const part of [pcm, silence]) {
      for (let i = 0; i + 480 <= part.length; i += 480) {
        session.pushAudio(new AudioFrame(part.slice(i, i + 480), 24_000, 1, 480));
      }
    }
    const heard = await drain(await generated);
    expect(transcripts).toEqual(['That worked']);
    expect(heard.text).toBe('Glad to hear it.');
  });

  it('delivers a scripted tool call as a function call', async () => {
    double = await startModelDouble({
      script: { greeting: script.turns[1] as (typeof script.turns)[1], turns: [] },
    });
    const session = realtimeSession(double.url);
    const gen = await session.generateReply('hi');
    const calls: llm.FunctionCall[] = [];
    const reader = gen.functionStream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      calls.push(value);
    }
    expect(calls.map((c) => [c.name, c.args])).toEqual([['end_call', '{}']]);
  });

  it('says the fixed words a mid-call reply asks for, after the greeting', async () => {
    double = await startModelDouble({ script });
    const session = realtimeSession(double.url);
    await drain(await session.generateReply('Greet the caller'));
    const ask = `Say exactly the following and nothing else: ${JSON.stringify('Are you "still" there?')}`;
    const heard = await drain(await session.generateReply(ask));
    expect(heard.text).toBe('Are you "still" there?');
    expect(heard.rms).toBeGreaterThan(1_000);
  });

  it('answers a reply the agent asks for on its own (nothing of the visitor unanswered) from `asked`', async () => {
    double = await startModelDouble({
      script: { ...script, asked: [{ text: "I'm back with you." }] },
    });
    const session = realtimeSession(double.url);
    await drain(await session.generateReply('Greet the caller'));
    const first = await drain(await session.generateReply('Tell the caller you are back.'));
    const second = await drain(await session.generateReply('Offer more help.'));
    expect(first.text).toBe("I'm back with you.");
    // Past the list: the generic reply, never the last turn's tool call again.
    expect(second.text).toBe('Sure, I can help with that. Could you tell me a little more?');
  });

  it('answers what the agent asks for, not a tool reply it never requested (the hold cut it off)', async () => {
    const transfer = { ...(script.turns[1] as Reply), afterTool: 'Finding someone for you.' };
    double = await startModelDouble({
      script: { greeting: transfer, turns: [], asked: [{ text: "I'm back with you." }] },
    });
    const session = realtimeSession(double.url);
    const gen = await session.generateReply('hi');
    const reader = gen.functionStream.getReader();
    const { value: call } = await reader.read();
    expect(call?.name).toBe('end_call');
    // The tool's output goes in, but the reply after it is never asked for: staff took the call.
    const ctx = session.chatCtx.copy();
    ctx.insert(
      new llm.FunctionCallOutput({
        callId: call?.callId ?? '',
        name: 'end_call',
        output: 'ok',
        isError: false,
      }),
    );
    await session.updateChatCtx(ctx);
    const heard = await drain(await session.generateReply('Tell the caller you are back.'));
    expect(heard.text).toBe("I'm back with you.");
  });

  it('holds the first audio back by the configured model latency', async () => {
    double = await startModelDouble({ script, latencyMs: 400 });
    const session = realtimeSession(double.url);
    // From the request, not the plugin's ttft (dated from its receipt of response.created): a
    // loaded machine can only make this longer, never pass a double that answered early.
    const asked = performance.now();
    const gen = await session.generateReply('hi');
    const { value: message } = await gen.messageStream.getReader().read();
    const first = await message?.audioStream.getReader().read();
    const heardAfter = performance.now() - asked;
    expect(first?.value?.samplesPerChannel).toBeGreaterThan(0);
    // Timers may fire a fraction of a millisecond before their delay by this clock.
    expect(heardAfter).toBeGreaterThanOrEqual(399);
  });
});

describe('model double HTTP routes (pipeline mode)', () => {
  it('streams scripted chat completions and transcribes turns in order', async () => {
    double = await startModelDouble({ script });
    const client = new OpenAI({ baseURL: double.url, apiKey: 'test' });
    const stream = await client.chat.completions.create({
      model: 'x',
      stream: true,
      messages: [{ role: 'system', content: 'Greet the caller.' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello from the double.');
    const file = new File([new Uint8Array(100)], 'a.wav', { type: 'audio/wav' });
    const t = await client.audio.transcriptions.create({ model: 'x', file });
    expect(t.text).toBe("I can't log in");
    const speech = await client.audio.speech.create({
      model: 'x',
      voice: 'alloy',
      input: 'Try resetting your password.',
      response_format: 'pcm',
    });
    const pcm = new Int16Array(await speech.arrayBuffer());
    expect(rms(pcm)).toBeGreaterThan(1_000);
  });

  it("answers a tool's output with the turn's afterTool words, and an ask beyond the turns from `asked`", async () => {
    double = await startModelDouble({
      script: {
        ...script,
        turns: [{ ...script.turns[1], afterTool: 'Bye now.' } as Reply],
        asked: [{ text: 'Asked words.' }],
      },
    });
    const client = new OpenAI({ baseURL: double.url, apiKey: 'test' });
    const complete = async (messages: OpenAI.ChatCompletionMessageParam[]) => {
      const res = await client.chat.completions.create({ model: 'x', messages });
      return res.choices[0]?.message;
    };
    const system = { role: 'system', content: 'You are a support assistant.' } as const;
    const greeting = await complete([system]);
    expect(greeting?.content).toBe(script.greeting.text);
    const file = new File([new Uint8Array(100)], 'a.wav', { type: 'audio/wav' });
    await client.audio.transcriptions.create({ model: 'x', file });
    const said: OpenAI.ChatCompletionMessageParam[] = [
      system,
      { role: 'assistant', content: greeting?.content ?? '' },
      { role: 'user', content: 'Bye' },
    ];
    const call = await complete(said);
    expect(call?.tool_calls?.[0]).toMatchObject({ function: { name: 'end_call' } });
    const toolDone: OpenAI.ChatCompletionMessageParam[] = [
      ...said,
      { role: 'assistant', tool_calls: call?.tool_calls ?? [] },
      { role: 'tool', tool_call_id: call?.tool_calls?.[0]?.id ?? '', content: 'ok' },
    ];
    const after = await complete(toolDone);
    expect(after?.content).toBe('Bye now.');
    const answered = [...toolDone, { role: 'assistant', content: after?.content ?? '' } as const];
    expect((await complete([...answered, { role: 'system', content: 'say you are back' }]))?.content).toBe(
      'Asked words.',
    );
  });

  it('answers each call of a series from the first turn: every conversation walks the same script', async () => {
    double = await startModelDouble({ script });
    const client = new OpenAI({ baseURL: double.url, apiKey: 'test' });
    const file = new File([new Uint8Array(100)], 'a.wav', { type: 'audio/wav' });
    for (let call = 0; call < 2; call++) {
      // The greeting is read out, not generated: the first request already carries the visitor.
      const heard = await client.audio.transcriptions.create({ model: 'x', file });
      expect(heard.text).toBe(script.turns[0]?.transcriptOfUser);
      const reply = await client.chat.completions.create({
        model: 'x',
        messages: [
          { role: 'system', content: 'You are a support assistant.' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: heard.text },
        ],
      });
      expect(reply.choices[0]?.message.content).toBe(script.turns[0]?.text);
      await client.audio.transcriptions.create({ model: 'x', file });
    }
    expect(double.stats.completions).toBe(2);
  });
});

describe('model double streaming transcription (the worker transcribing staff)', () => {
  /** The visitor fixture's speech then a second of silence, as 10 ms frames at 48 kHz. */
  async function utteranceFrames() {
    const { AudioFrame } = await import('@livekit/rtc-node');
    const wav = readWav(`${FIXTURES_DIR}visitor-1.wav`);
    const pcm = resample(wav.samples, wav.sampleRate, 48_000);
    const frames = [];
    for (const part of [pcm, new Int16Array(48_000)]) {
      for (let i = 0; i + 480 <= part.length; i += 480) {
        frames.push(new AudioFrame(part.slice(i, i + 480), 48_000, 1, 480));
      }
    }
    return frames;
  }

  it("transcribes each utterance of the plugin's realtime STT stream from the script, then the default, and never answers", async () => {
    double = await startModelDouble({ script: { ...script, streamTranscripts: ['Hello, this is Ana.'] } });
    const { stt } = await import('@livekit/agents');
    const transcriber = new openai.STT({
      baseURL: double.url,
      apiKey: 'test',
      model: 'gpt-4o-mini-transcribe',
      language: 'en',
      useRealtime: true,
    });
    const stream = transcriber.stream();
    sessions.push({ close: async () => stream.close() });
    const frames = await utteranceFrames();
    const events: string[] = [];
    const finals: string[] = [];
    const reading = (async () => {
      for await (const ev of stream) {
        events.push(stt.SpeechEventType[ev.type] ?? String(ev.type));
        if (ev.type === stt.SpeechEventType.FINAL_TRANSCRIPT) finals.push(ev.alternatives?.[0]?.text ?? '');
        if (finals.length === 2) break;
      }
    })();
    for (const frame of [...frames, ...frames]) stream.pushFrame(frame);
    await reading;
    expect(finals).toEqual(['Hello, this is Ana.', 'staff utterance 2']);
    // Speech bounds come before each final, so the worker can place the utterance in the call.
    expect(events.slice(0, 3)).toEqual(['START_OF_SPEECH', 'END_OF_SPEECH', 'FINAL_TRANSCRIPT']);
    expect(double.transcriptionSessions).toHaveLength(1);
    expect(double.transcriptionSessions[0]?.model).toBe('gpt-4o-mini-transcribe');
    expect(double.stats.responses).toBe(0);
    expect(double.sessions).toHaveLength(0);
  });
});

describe('what the double remembers', () => {
  it("keeps only the latest sessions and speech requests, so `npm start`'s demo does not grow without end", async () => {
    double = await startModelDouble({ script, remember: 2 });
    for (const model of ['first', 'second', 'third']) {
      const ws = new WebSocket(`${double.url.replace(/^http/, 'ws')}/realtime?model=${model}`);
      sessions.push({ close: async () => ws.close() });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
    }
    await expect.poll(() => double?.sessions.map((s) => s.model)).toEqual(['second', 'third']);

    for (const input of ['one', 'two', 'three']) {
      const res = await fetch(`${double.url}/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts', voice: 'alloy', input }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(double.stats.speeches).toEqual(['two', 'three']);
  });
});
