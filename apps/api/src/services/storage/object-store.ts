import type { Readable } from 'node:stream';

/** A byte range as HTTP asks for it: `start` to `end` inclusive; `end` absent means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface StoredObject {
  body: Readable;
  /** The whole object's size, whatever range was read. */
  size: number;
  contentType: string;
  /** The bytes this body holds, when a range was asked for. */
  range?: { start: number; end: number };
}

/**
 * Where recordings live: S3 (AWS, MinIO, R2, B2) in production, files under DATA_DIR for
 * `npm start`. Keys are relative paths of `[A-Za-z0-9._-]` segments separated by `/`.
 */
export interface ObjectStore {
  readonly kind: 's3' | 'files';
  /** The bucket, for S3; undefined for files. */
  readonly bucket: string | undefined;
  /** Creates the bucket (private) or directory when missing. Idempotent. */
  ensureReady(): Promise<void>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Null when there is no such object. */
  get(key: string, range?: ByteRange): Promise<StoredObject | null>;
  /** Size in bytes, or null when there is no such object. */
  size(key: string): Promise<number | null>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL a browser can GET (with Range) for `ttlSeconds`, or null when this store cannot sign
   * one (files): the API then streams the object itself behind a signed token.
   */
  presignGet(key: string, ttlSeconds: number, opts?: { filename?: string }): Promise<string | null>;
}
