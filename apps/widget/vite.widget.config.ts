import { defineConfig } from 'vite';

// The tag sites paste: a classic script (IIFE) so `<script async>` works anywhere. It loads
// the call module (livekit-client) only when the visitor presses the button.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2020',
    minify: 'esbuild',
    lib: { entry: 'src/widget.ts', name: 'VoiceDeskWidget', formats: ['iife'], fileName: () => 'widget.js' },
  },
});
