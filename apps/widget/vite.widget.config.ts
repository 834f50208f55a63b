import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { precompress } from './vite.precompress.ts';

/** The call module's content-hashed file name, from the manifest vite.call.config.ts wrote. */
function callModuleFile(): string {
  const manifestPath = new URL('dist/call-manifest.json', import.meta.url);
  let manifest: Record<string, { file: string; isEntry?: boolean }>;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    throw new Error('dist/call-manifest.json is missing: build vite.call.config.ts first (npm run build)');
  }
  const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
  if (!entry) throw new Error('dist/call-manifest.json names no entry chunk');
  return entry.file;
}

// The tag sites paste: a classic script (IIFE) so `<script async>` works anywhere. It loads
// the call module (livekit-client) only when the visitor presses the button.
export default defineConfig({
  plugins: [precompress()],
  define: { __VOICEDESK_CALL_MODULE__: JSON.stringify(callModuleFile()) },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2020',
    minify: 'esbuild',
    lib: { entry: 'src/widget.ts', name: 'VoiceDeskWidget', formats: ['iife'], fileName: () => 'widget.js' },
  },
});
