import { defineConfig } from 'vite';

// The lazily imported call module: livekit-client and the room logic, one minified ES module.
// An app build (not library mode) so whitespace is minified too.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2020',
    minify: 'esbuild',
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      input: 'src/call-session.ts',
      preserveEntrySignatures: 'strict',
      output: { format: 'es', entryFileNames: 'voicedesk-call.js' },
    },
  },
});
