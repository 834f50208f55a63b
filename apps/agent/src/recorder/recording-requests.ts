import { RECORDING_CONTENT_TYPE, type RecordingFinish } from '@voicedesk/core';
import {
  classifyAnswer,
  type InternalApi,
  requestSignal,
  type SendOutcome,
  unanswered,
} from '../api-client.ts';

/** The recorder's two requests to the API (the contract is in @voicedesk/core's recording.ts). */

interface ChunkUpload {
  seq: number;
  startedAt: string;
  durationMs: number;
  bytes: Uint8Array;
}

function recordingUrl(apiUrl: string, callId: string, rest: string): string {
  return `${apiUrl.replace(/\/$/, '')}/internal/calls/${encodeURIComponent(callId)}/recording/${rest}`;
}

function chunkUrl(apiUrl: string, callId: string, chunk: Omit<ChunkUpload, 'bytes'>): string {
  const query = new URLSearchParams({ startedAt: chunk.startedAt, durationMs: String(chunk.durationMs) });
  return recordingUrl(apiUrl, callId, `chunks/${chunk.seq}?${query}`);
}

/** Never throws: see sendInternal for how answers are classified. */
export async function putChunk(
  api: InternalApi,
  callId: string,
  chunk: ChunkUpload,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  return send(api, chunkUrl(api.apiUrl, callId, chunk), {
    method: 'PUT',
    contentType: RECORDING_CONTENT_TYPE,
    // Our chunks live in ordinary ArrayBuffers, never shared memory.
    body: chunk.bytes as Uint8Array<ArrayBuffer>,
    signal,
  });
}

export async function postFinish(
  api: InternalApi,
  callId: string,
  finish: RecordingFinish,
  signal?: AbortSignal,
): Promise<SendOutcome> {
  return send(api, recordingUrl(api.apiUrl, callId, 'finish'), {
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify(finish),
    signal,
  });
}

async function send(
  api: InternalApi,
  url: string,
  request: {
    method: string;
    contentType: string;
    body: Uint8Array<ArrayBuffer> | string;
    signal: AbortSignal | undefined;
  },
): Promise<SendOutcome> {
  const fetchImpl = api.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: request.method,
      headers: {
        authorization: `Bearer ${api.serviceKey}`,
        accept: 'application/json',
        'content-type': request.contentType,
      },
      body: request.body,
      signal: requestSignal(api, request.signal),
    });
  } catch (error) {
    return unanswered(error);
  }
  return classifyAnswer(res);
}
