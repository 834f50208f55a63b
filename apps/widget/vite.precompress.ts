import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/**
 * Writes `<file>.gz` and `<file>.br` beside every emitted file with one of `extensions` (scripts
 * by default), at the highest levels: the API serves these bytes as they are, so compressing
 * costs once per build instead of once per request.
 */
export function precompress(extensions: readonly string[] = ['.js']): Plugin {
  return {
    name: 'voicedesk-precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist';
      for (const file of Object.keys(bundle).filter((name) => extensions.some((ext) => name.endsWith(ext)))) {
        const body = await readFile(join(dir, file));
        await writeFile(join(dir, `${file}.gz`), gzipSync(body, { level: 9 }));
        await writeFile(
          join(dir, `${file}.br`),
          brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
      }
    },
  };
}
