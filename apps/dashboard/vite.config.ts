import { defineConfig } from 'vite';
import { precompress } from '../widget/vite.precompress.ts';

// The staff app, served by the API under /app (apps/api/src/routes/dashboard-assets.ts): every
// asset from this origin, hashed names cached for good, index.html revalidated. JSX goes through
// Vite's own esbuild (the automatic runtime): no React plugin needed for a production build.
export default defineConfig({
  base: '/app/',
  plugins: [precompress(['.js', '.css', '.html'])],
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // No inline data: URIs, so the Content-Security-Policy needs no `data:` for scripts or fonts.
    assetsInlineLimit: 0,
    // No modulepreload polyfill: it is an inline script, which the Content-Security-Policy refuses.
    modulePreload: { polyfill: false },
    // The answer page's chunk is mostly livekit-client (~540 kB), loaded only to answer a call.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      onwarn(warning, warn) {
        // React libraries mark modules "use client" for server components; a client bundle has no use for it.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
