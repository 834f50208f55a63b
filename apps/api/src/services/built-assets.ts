import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/**
 * Files a Vite build wrote (the widget, the dashboard), served with their precompressed twins:
 * each built script has `.br` and `.gz` beside it (apps/widget/vite.precompress.ts), so
 * compressing costs once per build instead of once per request.
 */
export type Encoding = 'br' | 'gzip' | 'identity';
/** Most compact first. */
export const ENCODINGS: readonly Encoding[] = ['br', 'gzip', 'identity'];
const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz', identity: '' };

export interface BuiltAsset {
  mtimeMs: number;
  etag: Record<Encoding, string>;
  bodies: Partial<Record<Encoding, Uint8Array>>;
}
const cache = new Map<string, BuiltAsset>();

/** The built file and its precompressed twins, read once per build (a rebuild changes mtime). */
export async function loadBuiltAsset(dir: string, file: string): Promise<BuiltAsset | undefined> {
  const path = `${dir}${file}`;
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const cached = cache.get(path);
  if (cached && cached.mtimeMs === info.mtimeMs) return cached;
  const bodies: BuiltAsset['bodies'] = {};
  for (const encoding of ENCODINGS) {
    const body = await readFile(`${path}${SUFFIX[encoding]}`).catch(() => undefined);
    if (body) bodies[encoding] = body;
  }
  if (!bodies.identity) return undefined;
  const hash = createHash('sha256').update(bodies.identity).digest('base64url').slice(0, 22);
  // One strong validator per representation: the encodings are different bytes.
  const etag = { br: `"${hash}-br"`, gzip: `"${hash}-gz"`, identity: `"${hash}"` };
  const asset = { mtimeMs: info.mtimeMs, etag, bodies };
  cache.set(path, asset);
  return asset;
}

/** q-values of an Accept-Encoding header; `identity` stays acceptable unless refused. */
export function acceptedEncodings(header: string | undefined): Set<Encoding> {
  const q = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const star = q.get('*');
  const ok = (name: Encoding) => (q.get(name) ?? (name === 'identity' ? (star ?? 1) : (star ?? 0))) > 0;
  return new Set(ENCODINGS.filter(ok));
}

/** The most compact representation this client accepts and the build wrote. */
export function pickEncoding(asset: BuiltAsset, acceptEncoding: string | undefined): Encoding {
  const accepted = acceptedEncodings(acceptEncoding);
  return ENCODINGS.find((e) => accepted.has(e) && asset.bodies[e]) ?? 'identity';
}

/** Whether If-None-Match names any representation of these bytes (weak comparison, RFC 9110 13.1.2). */
export function notModified(ifNoneMatch: string | undefined, asset: BuiltAsset): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const current = new Set(Object.values(asset.etag));
  return ifNoneMatch.split(',').some((tag) => current.has(tag.trim().replace(/^W\//, '')));
}
