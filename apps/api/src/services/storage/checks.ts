import { type ByteRange, InvalidObjectKeyError } from './object-store.ts';

/** One key segment; the file store's own files (temporary, content type) start with a dot. */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** S3's limit is 1024 bytes; a segment stays well under a file name's 255. */
const MAX_KEY = 1024;
const MAX_SEGMENT = 200;

function segmentsOk(segments: string[]): boolean {
  return segments.every((s) => s.length <= MAX_SEGMENT && SEGMENT.test(s));
}

/** Throws unless `key` is a valid object key (see ObjectStore). */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY || !segmentsOk(key.split('/'))) {
    throw new InvalidObjectKeyError(`invalid object key ${JSON.stringify(key)}`);
  }
}

/** A prefix is a key's start: '' or whole segments, each ending with `/`, then maybe part of one. */
export function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix.length > MAX_KEY) {
    throw new InvalidObjectKeyError(`invalid key prefix ${JSON.stringify(prefix)}`);
  }
  if (prefix === '') return;
  const segments = prefix.split('/');
  // A trailing '/' leaves an empty last part; a partial last segment is checked like a whole one.
  const last = segments.pop() ?? '';
  if (!segmentsOk(segments) || (last !== '' && !segmentsOk([last]))) {
    throw new InvalidObjectKeyError(`invalid key prefix ${JSON.stringify(prefix)}`);
  }
}

/** A range's numbers must be what HTTP can say: integers, start ≥ 0, end ≥ start. */
export function checkRange(range: ByteRange): void {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
  }
}

/** Presigned URLs last between 1 s and S3's limit of 7 days. */
export function checkTtl(ttlSeconds: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 604_800) {
    throw new RangeError(`presign ttl must be 1..604800 seconds, got ${ttlSeconds}`);
  }
}
