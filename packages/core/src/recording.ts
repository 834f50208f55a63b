import { z } from 'zod';

/**
 * Recordings: one per call, Ogg Opus, stereo at 48 kHz with the visitor on the left channel and
 * the assistant and staff on the right, so a player can draw who spoke when.
 *
 * Two recorders write the same model:
 * - `builtin`: the recorder process (apps/agent, `recorder` entry) joins the room as a hidden
 *   participant. The API asks it to start (`POST {RECORDER_URL}/recordings`, recorderStartSchema)
 *   and it streams the audio back to the API in chunks (`PUT /internal/calls/:id/recording/chunks/:seq`),
 *   each a run of whole Ogg pages, so chunks 0..n-1 concatenated are the file. The API stores each
 *   chunk as it arrives and joins them when the recorder finishes, or, when it went silent, as far as
 *   they go (`partial`).
 * - `egress`: LiveKit Egress writes the object straight to S3; its webhooks keep the row true.
 */
export const RECORDING_MODES = ['builtin', 'egress'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

export const RECORDING_STATUSES = ['active', 'complete', 'partial', 'failed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const RECORDING_CONTENT_TYPE = 'audio/ogg';
export const RECORDING_CODEC = 'opus';
/** An upload chunk may hold at most this many bytes (30 s of Opus is well under 1 MB). */
export const RECORDING_CHUNK_MAX_BYTES = 4 * 1024 * 1024;

/** API → recorder: record this room. Idempotent per callId. */
export const recorderStartSchema = z.object({
  callId: z.uuid(),
  roomName: z.string().min(1).max(128),
  livekitUrl: z.string().min(1),
  /** A hidden, subscribe-only token for this room (identity `recorder-<callId>`). */
  token: z.string().min(1),
});
export type RecorderStart = z.infer<typeof recorderStartSchema>;

/** Query of a chunk upload; the body is the chunk's bytes (`audio/ogg`). */
export const recordingChunkQuerySchema = z.object({
  /** The wall-clock instant of the recording's first sample (the same for every chunk). */
  startedAt: z.iso.datetime(),
  /** Audio from the recording's start to this chunk's end, in milliseconds. */
  durationMs: z.coerce.number().int().min(0),
});
export type RecordingChunkQuery = z.infer<typeof recordingChunkQuerySchema>;

const onsetList = z.array(z.number().int().min(0)).max(20_000);

/**
 * Where speech begins on each channel (ms from the recording's start), as the recorder heard it
 * before encoding. Transcript timestamps come from the assistant's clock and its audio pipeline,
 * which are off by up to a few hundred milliseconds; the API snaps each line to the onset nearest
 * to it, so a click on a line plays from its first word.
 */
export const speechOnsetsSchema = z.object({ left: onsetList, right: onsetList });
export type SpeechOnsets = z.infer<typeof speechOnsetsSchema>;

/** Recorder → API: the recording is whole; chunks 0..chunks-1 are all there is. */
export const recordingFinishSchema = z.object({
  startedAt: z.iso.datetime().nullable(),
  chunks: z.number().int().min(0),
  durationMs: z.number().int().min(0),
  bytes: z.number().int().min(0),
  speechOnsets: speechOnsetsSchema.optional(),
});
export type RecordingFinish = z.infer<typeof recordingFinishSchema>;
