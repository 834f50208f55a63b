import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkKey, checkPrefix, checkRange, checkTtl } from './checks.ts';
import {
  type ByteRange,
  type ObjectStore,
  RangeNotSatisfiableError,
  type StoredObject,
} from './object-store.ts';

/**
 * Objects as files under `dir`, for `npm start` and single-host installs. A key's segments are
 * checked (./checks.ts) before they become a path, so nothing reaches outside `dir`. Names that
 * start with a dot are never keys and hold this store's own files: `.<name>.type` beside an object
 * holds its content type, `.<name>.tmp-…` is a write in progress. Unlike S3, a key cannot also
 * be the directory of another (`a` and `a/b`): recordings' keys never are.
 */
export function createFileStore(dir: string): ObjectStore {
  const root = resolve(dir);

  function pathOf(key: string): string {
    checkKey(key);
    return join(root, ...key.split('/'));
  }

  /** A hidden file beside `file`: `.<name><suffix>`. */
  function beside(file: string, suffix: string): string {
    return join(dirname(file), `.${basename(file)}${suffix}`);
  }

  /** Temp file + fsync + rename: a reader sees the old content or the new, never a part. */
  async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = beside(file, `.tmp-${randomBytes(6).toString('hex')}`);
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      await rename(tmp, file);
    } catch (err) {
      await handle.close().catch(() => {});
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** The open object and its size, or null when there is no such object. */
  async function openObject(file: string): Promise<{ handle: FileHandle; size: number } | null> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      // Size from the open file, not the path: a put renaming a new file in meanwhile changes neither.
      const stat = await handle.stat();
      if (stat.isFile()) return { handle, size: stat.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
    await handle.close();
    return null;
  }

  async function contentTypeOf(file: string): Promise<string> {
    try {
      return (await readFile(beside(file, '.type'), 'utf8')) || 'application/octet-stream';
    } catch (err) {
      if (isMissing(err)) return 'application/octet-stream';
      throw err;
    }
  }

  async function removeFile(file: string): Promise<void> {
    try {
      await unlink(file);
    } catch (err) {
      // A directory where the key would be is no object either.
      if (!isMissing(err) && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
    }
  }

  /** Keys of the files under `rel` (a key prefix of whole segments, without its last '/'). */
  async function walk(rel: string, into: string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(rel ? join(root, ...rel.split('/')) : root, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(key, into);
      else if (e.isFile()) into.push(key);
    }
  }

  return {
    kind: 'files',
    bucket: undefined,

    async ensureReady() {
      await mkdir(root, { recursive: true, mode: 0o700 });
    },

    async put(key: string, body: Buffer, contentType: string) {
      const file = pathOf(key);
      // The type first: a reader that sees the new bytes also sees their type.
      await writeAtomic(beside(file, '.type'), contentType);
      await writeAtomic(file, body);
    },

    async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
      const file = pathOf(key);
      if (range) checkRange(range);
      const opened = await openObject(file);
      if (!opened) return null;
      const { handle, size } = opened;
      try {
        const contentType = await contentTypeOf(file);
        if (!range) return { body: handle.createReadStream(), size, contentType };
        if (range.start >= size) throw new RangeNotSatisfiableError(size);
        const end = Math.min(range.end ?? size - 1, size - 1);
        return {
          body: handle.createReadStream({ start: range.start, end }),
          size,
          contentType,
          range: { start: range.start, end },
        };
      } catch (err) {
        await handle.close();
        throw err;
      }
    },

    async size(key: string) {
      const opened = await openObject(pathOf(key));
      if (!opened) return null;
      await opened.handle.close();
      return opened.size;
    },

    async list(prefix: string) {
      checkPrefix(prefix);
      // Walk only the deepest directory the prefix names in full.
      const keys: string[] = [];
      await walk(prefix.slice(0, Math.max(prefix.lastIndexOf('/'), 0)), keys);
      return keys.filter((k) => k.startsWith(prefix)).sort();
    },

    async delete(key: string) {
      const file = pathOf(key);
      // Empty directories stay: removing them would race a put into the same directory.
      await removeFile(file);
      await removeFile(beside(file, '.type'));
    },

    async presignGet(key: string, ttlSeconds: number) {
      checkKey(key);
      checkTtl(ttlSeconds);
      return null;
    },
  };
}

/** ENOTDIR: a key whose parent is a file (`a` exists, `a/b` asked) names no object either. */
function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
