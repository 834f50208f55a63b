import { describe, expect, it } from 'vitest';
import type { RecordingInfo } from '../api/call-detail.ts';
import { recordingState } from './recording-state.ts';

const stored = (status: RecordingInfo['status']): RecordingInfo => ({
  mode: 'builtin',
  status,
  contentType: 'audio/ogg',
  codec: 'opus',
  bytes: 1000,
  durationMs: 5000,
  startedAt: '2026-11-29T10:00:00.000Z',
  endedAt: '2026-11-29T10:00:05.000Z',
  error: null,
});

describe('what the call page says about its recording', () => {
  it('says why a call has no recording when its site was not recording as it began', () => {
    expect(
      recordingState({ recording: null, recordingAnnounced: false, status: 'completed' }, undefined),
    ).toBe('This call was not recorded: its site did not record calls when it began.');
  });

  it('says a missed call has no recording because it never connected', () => {
    expect(recordingState({ recording: null, recordingAnnounced: true, status: 'missed' }, undefined)).toBe(
      'This call was not recorded: it never connected.',
    );
    expect(recordingState({ recording: null, recordingAnnounced: true, status: 'failed' }, undefined)).toBe(
      'This call was not recorded.',
    );
  });

  it('explains a recording that cannot play, and stays out of the way of one that can', () => {
    const call = (status: RecordingInfo['status']) => ({
      recording: stored(status),
      recordingAnnounced: true,
      status: 'completed' as const,
    });
    expect(recordingState(call('active'), undefined)).toMatch(/still being made/);
    expect(recordingState(call('failed'), undefined)).toBe('The recording failed.');
    expect(recordingState(call('complete'), 'gone')).toBe('The recording is no longer stored.');
    expect(recordingState(call('complete'), 'failed')).toBe('The recording could not be loaded.');
    expect(recordingState(call('partial'), undefined)).toBeNull();
  });
});
