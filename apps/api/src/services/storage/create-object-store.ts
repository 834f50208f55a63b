import type { StorageConfig } from '@voicedesk/config';
import { createFileStore } from './file-store.ts';
import type { ObjectStore } from './object-store.ts';
import { createS3Store } from './s3-store.ts';

/** The store the config names. Call `ensureReady()` before the first put. */
export function createObjectStore(config: StorageConfig): ObjectStore {
  return config.kind === 's3' ? createS3Store(config) : createFileStore(config.dir);
}
