import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The console is served at /app (the local runtime from web/dist, CloudFront from S3), next to
 * the API on the same origin. Screens are split per role group and loaded when first opened.
 */
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inline scripts or styles: the CSP allows only the build's own files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
