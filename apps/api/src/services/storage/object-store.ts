import type { Readable } from 'node:stream';

/** A byte range as HTTP asks for it: `start` to `end` inclusive; `end` absent means to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface StoredObject {
  /** Read it to the end or destroy() it: it holds an open file or connection until then. */
  body: Readable;
  /** The whole object's size, whatever range was read. */
  size: number;
  contentType: string;
  /** The bytes this body holds, when a range was asked for. */
  range?: { start: number; end: number };
}

/**
 * Where recordings live: S3 (AWS, MinIO, R2, B2) in production, files under DATA_DIR for
 * `npm start`. Keys are relative paths of `[A-Za-z0-9._-]` segments separated by `/`; no segment
 * is empty or starts with `.` (so no `.` or `..`, and the file store keeps its own files hidden).
 * Every method refuses any other key with InvalidObjectKeyError before it touches the store.
 */
export interface ObjectStore {
  readonly kind: 's3' | 'files';
  /** The bucket, for S3; undefined for files. */
  readonly bucket: string | undefined;
  /** Creates the bucket (private) or directory when missing. Idempotent. */
  ensureReady(): Promise<void>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /**
   * Null when there is no such object. A range's end past the object's end reads to the end, as
   * HTTP does; a range that starts at or past the end throws RangeNotSatisfiableError.
   */
  get(key: string, range?: ByteRange): Promise<StoredObject | null>;
  /** Size in bytes, or null when there is no such object. */
  size(key: string): Promise<number | null>;
  /** Keys starting with a prefix (`''` for all, or partial segments like `calls/01`), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL a browser can GET (with Range) for `ttlSeconds`, or null when this store cannot sign
   * one (files): the API then streams the object itself behind a signed token.
   */
  presignGet(key: string, ttlSeconds: number, opts?: { filename?: string }): Promise<string | null>;
}

/** A key outside the alphabet above, or one that could name a path outside the store. */
export class InvalidObjectKeyError extends Error {
  override name = 'InvalidObjectKeyError';
}

/** HTTP's 416: the range starts at or past the end of the object, whose `size` it carries. */
export class RangeNotSatisfiableError extends Error {
  override name = 'RangeNotSatisfiableError';
  constructor(readonly size: number) {
    super(`range starts at or past the end of a ${size}-byte object`);
  }
}
