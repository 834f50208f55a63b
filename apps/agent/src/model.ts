import type { VAD, voice } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import type { AgentConfig } from '@voicedesk/config';
import type { AssistantConfig, Segment } from '@voicedesk/core';
import { RealtimeModel } from './realtime-model.ts';
import type { VoiceMode } from './turn-tracker.ts';

/**
 * The Realtime server VAD's silence window. Set explicitly (the plugin's default is semantic
 * VAD) and exported because turn metrics add it back: the agent only learns the visitor stopped
 * this long after they did.
 */
export const SERVER_VAD_SILENCE_MS = 500;

export interface VoiceModel {
  mode: VoiceMode;
  source: Segment['source'];
  /** Plugin instances only: a model string here would route to LiveKit Cloud inference. */
  session: Pick<voice.AgentSessionOptions, 'llm' | 'stt' | 'tts' | 'vad' | 'turnHandling'>;
}

export class VadUnavailableError extends Error {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `VOICE_MODE=pipeline needs the Silero VAD, which failed to load (${reason}). ` +
        'It runs on onnxruntime-node: check that its native binding for this platform is installed ' +
        '(node_modules/onnxruntime-node/bin), or use VOICE_MODE=realtime.',
    );
    this.name = 'VadUnavailableError';
  }
}

/** Loaded lazily so realtime workers never touch onnxruntime's native binding. */
export async function loadSileroVad(): Promise<VAD> {
  try {
    const silero = await import('@livekit/agents-plugin-silero');
    return await silero.VAD.load();
  } catch (error) {
    throw new VadUnavailableError(error);
  }
}

/** ISO 639-1 for the transcription APIs, which reject region tags such as "en-US". */
function baseLanguage(language: string): string {
  return language.split(/[-_]/)[0]?.toLowerCase() || 'en';
}

export function buildVoiceModel(
  voiceConfig: AgentConfig['voice'],
  assistant: AssistantConfig,
  vad: VAD | undefined,
): VoiceModel {
  const { apiKey, baseUrl: baseURL } = voiceConfig;
  const language = baseLanguage(assistant.language);

  if (voiceConfig.mode === 'realtime') {
    const model = new RealtimeModel({
      baseURL,
      apiKey,
      model: assistant.model ?? voiceConfig.realtimeModel,
      voice: assistant.voice,
      inputAudioTranscription: { model: voiceConfig.sttModel, language },
      turnDetection: {
        type: 'server_vad',
        threshold: 0.5,
        prefix_padding_ms: 300,
        silence_duration_ms: SERVER_VAD_SILENCE_MS,
        create_response: true,
        interrupt_response: true,
      },
    });
    return {
      mode: 'realtime',
      source: 'realtime',
      // vad: null, or the session provisions its own; turn-taking is the server VAD's alone.
      session: { llm: model, vad: null, turnHandling: { turnDetection: 'realtime_llm' } },
    };
  }

  if (!vad) throw new VadUnavailableError('not loaded in this process');
  return {
    mode: 'pipeline',
    source: 'stt',
    session: {
      // The HTTP transcription endpoint; the plugin's default is the realtime transcription socket.
      stt: new openai.STT({ baseURL, apiKey, model: voiceConfig.sttModel, language, useRealtime: false }),
      llm: new openai.LLM({ baseURL, apiKey, model: assistant.model ?? voiceConfig.llmModel }),
      tts: new openai.TTS({
        baseURL,
        apiKey,
        model: voiceConfig.ttsModel,
        voice: assistant.voice as openai.TTSVoices,
      }),
      vad,
      // 'vad' explicitly: left unset the session builds a turn-detector model, and in dev mode an
      // adaptive interruption detector, both of which are LiveKit inference services.
      turnHandling: { turnDetection: 'vad', interruption: { mode: 'vad' } },
    },
  };
}

/**
 * The worker's own streaming transcription (side-transcription.ts): the voice session hears only
 * the visitor, so the staff member (and the visitor while staff hold the call) are transcribed
 * over the realtime transcription socket (`/realtime?intent=transcription`) of the same
 * OpenAI-compatible base URL, with its server VAD, in both voice modes.
 */
export function buildSideStt(voiceConfig: AgentConfig['voice'], assistant: AssistantConfig): openai.STT {
  return new openai.STT({
    baseURL: voiceConfig.baseUrl,
    apiKey: voiceConfig.apiKey,
    model: voiceConfig.sttModel,
    language: baseLanguage(assistant.language),
    useRealtime: true,
    // The session's silence window, so a pause splits staff speech where it splits the visitor's.
    turnDetection: {
      type: 'server_vad',
      threshold: 0.5,
      prefix_padding_ms: 300,
      silence_duration_ms: SERVER_VAD_SILENCE_MS,
    },
  });
}
