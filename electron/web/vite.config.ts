// Vite build of the renderer for the browser host (`npm run web`): renderer/ -> out/web.
// The Electron app builds the same renderer through electron-vite's own config.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { contentPolicyMetaPlugin } from '../main/content-policy';

const root = fileURLToPath(new URL('../../renderer', import.meta.url));
const outDir = fileURLToPath(new URL('../../out/web', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [vue(), contentPolicyMetaPlugin()],
  build: { outDir, emptyOutDir: true, sourcemap: true, target: 'es2022' },
  logLevel: 'warn',
});
