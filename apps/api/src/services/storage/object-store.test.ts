import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type MinioServer, startMinio } from '@voicedesk/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectStore } from './create-object-store.ts';
import { InvalidObjectKeyError, type ObjectStore, RangeNotSatisfiableError } from './object-store.ts';
import type { S3StorageConfig } from './s3-store.ts';

/**
 * The contract both stores keep, on a real MinIO (scripts/setup.sh builds it) and a temp dir.
 * Each test writes under its own prefix, so they share one bucket and one directory.
 */
let minio: MinioServer;
const tempDirs: string[] = [];

beforeAll(async () => {
  minio = await startMinio();
});
afterAll(async () => {
  await minio?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function s3Config(overrides: Partial<S3StorageConfig> = {}): S3StorageConfig {
  return {
    kind: 's3',
    endpoint: minio.endpoint,
    publicEndpoint: undefined,
    bucket: 'recordings',
    region: minio.region,
    accessKeyId: minio.accessKeyId,
    secretAccessKey: minio.secretAccessKey,
    forcePathStyle: true,
    ...overrides,
  };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'voicedesk-files-'));
  tempDirs.push(dir);
  return dir;
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** 1000 distinct-enough bytes: a wrong offset shows. */
const AUDIO = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) % 256));
const prefix = () => `calls/${randomBytes(6).toString('hex')}`;

const BAD_KEYS = [
  '',
  '../escape.ogg',
  'calls/../../escape.ogg',
  '/etc/passwd',
  'calls//a.ogg',
  'calls/./a.ogg',
  'calls/a.ogg/',
  '.hidden',
  'calls/.a.ogg.type',
  'calls\\..\\a.ogg',
  'calls/a b.ogg',
  'calls/ä.ogg',
  'calls/a.ogg\u0000',
  `calls/${'a'.repeat(201)}`,
];

const backends: Array<{ name: 's3' | 'files'; make: () => ObjectStore }> = [
  { name: 's3', make: () => createObjectStore(s3Config()) },
  { name: 'files', make: () => createObjectStore({ kind: 'files', dir: join(tempDir(), 'recordings') }) },
];

describe.each(backends)('ObjectStore contract: $name', ({ name, make }) => {
  let store: ObjectStore;
  beforeAll(async () => {
    store = make();
    await store.ensureReady();
    // Idempotent.
    await store.ensureReady();
  });

  it('puts, gets, sizes, lists and deletes', async () => {
    const p = prefix();
    expect(store.kind).toBe(name);
    await store.put(`${p}/b.ogg`, AUDIO, 'audio/ogg');
    await store.put(`${p}/a.json`, Buffer.from('{"ok":true}'), 'application/json');
    await store.put(`${p}/sub/c.ogg`, Buffer.alloc(0), 'audio/ogg');

    const got = await store.get(`${p}/b.ogg`);
    expect(got?.size).toBe(1000);
    expect(got?.contentType).toBe('audio/ogg');
    expect(got?.range).toBeUndefined();
    expect(got && (await readAll(got.body)).equals(AUDIO)).toBe(true);
    expect(await store.size(`${p}/a.json`)).toBe(11);
    expect(await store.size(`${p}/sub/c.ogg`)).toBe(0);

    expect(await store.list(`${p}/`)).toEqual([`${p}/a.json`, `${p}/b.ogg`, `${p}/sub/c.ogg`]);
    expect(await store.list(p)).toEqual([`${p}/a.json`, `${p}/b.ogg`, `${p}/sub/c.ogg`]);
    // A prefix ending inside a segment.
    expect(await store.list(`${p}/b`)).toEqual([`${p}/b.ogg`]);
    expect(await store.list(`${p}/s`)).toEqual([`${p}/sub/c.ogg`]);
    expect(await store.list(`${p}/zzz/`)).toEqual([]);
    expect(await store.list('')).toEqual(expect.arrayContaining([`${p}/a.json`, `${p}/sub/c.ogg`]));

    await store.delete(`${p}/b.ogg`);
    expect(await store.get(`${p}/b.ogg`)).toBeNull();
    expect(await store.list(`${p}/`)).toEqual([`${p}/a.json`, `${p}/sub/c.ogg`]);
  });

  it('replaces an object and its content type on a second put', async () => {
    const key = `${prefix()}/r.ogg`;
    await store.put(key, AUDIO, 'audio/ogg');
    await store.put(key, Buffer.from('opus'), 'audio/opus');
    const got = await store.get(key);
    expect(got?.contentType).toBe('audio/opus');
    expect(got && (await readAll(got.body)).toString()).toBe('opus');
  });

  it('reads ranges: the first bytes, the middle, and from an offset to the end', async () => {
    const key = `${prefix()}/r.ogg`;
    await store.put(key, AUDIO, 'audio/ogg');

    const first = await store.get(key, { start: 0, end: 9 });
    expect(first?.range).toEqual({ start: 0, end: 9 });
    expect(first?.size).toBe(1000);
    expect(first && (await readAll(first.body)).equals(AUDIO.subarray(0, 10))).toBe(true);

    const middle = await store.get(key, { start: 400, end: 599 });
    expect(middle?.range).toEqual({ start: 400, end: 599 });
    expect(middle?.contentType).toBe('audio/ogg');
    expect(middle && (await readAll(middle.body)).equals(AUDIO.subarray(400, 600))).toBe(true);

    const tail = await store.get(key, { start: 990 });
    expect(tail?.range).toEqual({ start: 990, end: 999 });
    expect(tail && (await readAll(tail.body)).equals(AUDIO.subarray(990))).toBe(true);

    // An end past the object reads to its end, as HTTP does.
    const clamped = await store.get(key, { start: 995, end: 5000 });
    expect(clamped?.range).toEqual({ start: 995, end: 999 });
    expect(clamped && (await readAll(clamped.body)).length).toBe(5);
  });

  it('refuses a range that starts past the end, with the size for a 416', async () => {
    const key = `${prefix()}/r.ogg`;
    await store.put(key, AUDIO, 'audio/ogg');
    const err = await store.get(key, { start: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeNotSatisfiableError);
    expect((err as RangeNotSatisfiableError).size).toBe(1000);
    await expect(store.get(key, { start: 5, end: 4 })).rejects.toThrow(RangeError);
    await expect(store.get(key, { start: -1 })).rejects.toThrow(RangeError);
  });

  it('answers null for a missing object and deletes one quietly', async () => {
    const p = prefix();
    expect(await store.get(`${p}/missing.ogg`)).toBeNull();
    expect(await store.get(`${p}/missing.ogg`, { start: 0, end: 10 })).toBeNull();
    expect(await store.size(`${p}/missing.ogg`)).toBeNull();
    await store.delete(`${p}/missing.ogg`);
    expect(await store.list(`${p}/`)).toEqual([]);
  });

  it('refuses keys that could leave the store, before touching it', async () => {
    for (const key of BAD_KEYS) {
      await expect(store.put(key, AUDIO, 'audio/ogg'), key).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.get(key), key).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.size(key), key).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.delete(key), key).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.presignGet(key, 60), key).rejects.toThrow(InvalidObjectKeyError);
    }
    for (const p of ['../', '/', 'calls/../', '..', 'calls//', '.']) {
      await expect(store.list(p), p).rejects.toThrow(InvalidObjectKeyError);
    }
  });
});

describe('S3 store on MinIO', () => {
  const http = (url: string, init?: RequestInit) => fetch(url, init);

  it('creates a missing bucket, private', async () => {
    const bucket = `fresh-${randomBytes(4).toString('hex')}`;
    const admin = new S3Client({
      endpoint: minio.endpoint,
      region: minio.region,
      forcePathStyle: true,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    });
    await expect(admin.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toThrow();
    const store = createObjectStore(s3Config({ bucket }));
    expect(store.bucket).toBe(bucket);
    await store.ensureReady();
    await admin.send(new HeadBucketCommand({ Bucket: bucket }));
    await store.put('calls/x/recording.ogg', AUDIO, 'audio/ogg');

    // Anonymous (unsigned) requests get nothing: not the object, not the listing.
    const object = await http(`${minio.endpoint}/${bucket}/calls/x/recording.ogg`);
    expect(object.status).toBe(403);
    expect(await object.text()).not.toContain(AUDIO.subarray(0, 8).toString('latin1'));
    expect((await http(`${minio.endpoint}/${bucket}/?list-type=2`)).status).toBe(403);
    admin.destroy();
  });

  it('presigns a GET that serves a Range (206) and names the file', async () => {
    const store = createObjectStore(s3Config());
    await store.ensureReady();
    const key = `${prefix()}/recording.ogg`;
    await store.put(key, AUDIO, 'audio/ogg');
    const url = await store.presignGet(key, 60, { filename: 'call 2026-11-25 "été".ogg' });
    expect(url).toMatch(new RegExp(`^${minio.endpoint}/recordings/`));

    const res = await http(url ?? '', { headers: { Range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(res.headers.get('content-type')).toBe('audio/ogg');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="call 2026-11-25 __t__.ogg"; filename*=UTF-8''call%202026-11-25%20%22%C3%A9t%C3%A9%22.ogg`,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(AUDIO.subarray(100, 200))).toBe(true);

    // Without a filename there is no Content-Disposition override.
    const plain = await http((await store.presignGet(key, 60)) ?? '');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-disposition')).toBeNull();
    await plain.arrayBuffer();
  });

  it('refuses a presigned URL once it has expired', async () => {
    const store = createObjectStore(s3Config());
    const key = `${prefix()}/recording.ogg`;
    await store.put(key, AUDIO, 'audio/ogg');
    const url = await store.presignGet(key, 1);
    await new Promise((r) => setTimeout(r, 2_100));
    const res = await http(url ?? '');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('expired');
  });

  it('signs for the public endpoint when one is configured', async () => {
    const key = `${prefix()}/recording.ogg`;
    await createObjectStore(s3Config()).put(key, AUDIO, 'audio/ogg');

    const elsewhere = createObjectStore(s3Config({ publicEndpoint: 'https://recordings.example.test' }));
    const url = new URL((await elsewhere.presignGet(key, 60)) ?? '');
    expect(url.origin).toBe('https://recordings.example.test');
    expect(url.pathname).toBe(`/recordings/${key}`);

    // Signed for the host the browser names: MinIO under another name for the same address
    // accepts it, which it would not if the signature covered the private endpoint's host.
    const publicEndpoint = `http://localhost:${minio.port}`;
    const viaPublic = createObjectStore(s3Config({ publicEndpoint }));
    const res = await http((await viaPublic.presignGet(key, 60)) ?? '');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(AUDIO)).toBe(true);
  });

  // Kills the file's shared MinIO, so it runs last among the tests that use it.
  it('fails while MinIO is down and finds the object again after it restarts', async () => {
    const store = createObjectStore(s3Config());
    const key = `${prefix()}/recording.ogg`;
    await store.put(key, AUDIO, 'audio/ogg');
    await minio.kill();
    await expect(store.size(key)).rejects.toThrow();
    await minio.start();
    expect(await store.size(key)).toBe(1000);
    const got = await store.get(key, { start: 10, end: 19 });
    expect(got && (await readAll(got.body)).equals(AUDIO.subarray(10, 20))).toBe(true);
  });

  it('refuses a ttl outside 1 s .. 7 days', async () => {
    const store = createObjectStore(s3Config());
    await expect(store.presignGet('calls/x.ogg', 0)).rejects.toThrow(RangeError);
    await expect(store.presignGet('calls/x.ogg', 604_801)).rejects.toThrow(RangeError);
  });
});

describe('file store', () => {
  it('writes 0600 files in 0700 directories, with no temporary file left behind', async () => {
    const dir = join(tempDir(), 'recordings');
    const store = createObjectStore({ kind: 'files', dir });
    await store.ensureReady();
    await store.put('calls/x/recording.ogg', AUDIO, 'audio/ogg');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'calls', 'x')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'calls', 'x', 'recording.ogg')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'calls', 'x')).sort()).toEqual(['.recording.ogg.type', 'recording.ogg']);
  });

  it('keeps the content type across instances, and cannot presign', async () => {
    const dir = join(tempDir(), 'recordings');
    await createObjectStore({ kind: 'files', dir }).put('calls/x.wav', AUDIO, 'audio/wav');
    const again = createObjectStore({ kind: 'files', dir });
    expect((await again.get('calls/x.wav'))?.contentType).toBe('audio/wav');
    expect(await again.presignGet('calls/x.wav', 60)).toBeNull();
    expect(again.bucket).toBeUndefined();
  });

  it('writes nothing outside its directory for a refused key', async () => {
    const parent = tempDir();
    const store = createObjectStore({ kind: 'files', dir: join(parent, 'recordings') });
    await store.ensureReady();
    for (const key of BAD_KEYS) await store.put(key, AUDIO, 'audio/ogg').catch(() => {});
    expect(readdirSync(parent)).toEqual(['recordings']);
    expect(readdirSync(join(parent, 'recordings'))).toEqual([]);
    expect(existsSync(join(parent, 'escape.ogg'))).toBe(false);
  });
});
