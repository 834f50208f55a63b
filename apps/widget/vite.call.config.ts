import { defineConfig } from 'vite';
import { precompress } from './vite.precompress.ts';

// The lazily imported call module: livekit-client and the room logic, one minified ES module.
// An app build (not library mode) so whitespace is minified too. Built first (it empties dist/):
// its content-hashed name goes into widget.js (vite.widget.config.ts reads it from the manifest),
// so the API can serve it as immutable.
export default defineConfig({
  plugins: [precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: 'call-manifest.json',
    target: 'es2020',
    minify: 'esbuild',
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      input: 'src/call-session.ts',
      preserveEntrySignatures: 'strict',
      output: { format: 'es', entryFileNames: 'voicedesk-call-[hash].js' },
    },
  },
});
