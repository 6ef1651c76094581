// Instantiates the package's wasm, shared by every entry point. In browsers
// and bundlers (Vite, webpack, esbuild) the wasm is fetched next to this file
// (`new URL(..., import.meta.url)`, which bundlers rewrite to the emitted
// asset); run in Node instead, it reads the file from disk.

import init from './gatehouse_js.js';

/** Loads the wasm (once; `client.js` keeps the promise). */
export async function loadWasm() {
  const url = new URL('./gatehouse_js_bg.wasm', import.meta.url);
  if (url.protocol === 'file:' && typeof process !== 'undefined' && process.versions?.node) {
    const fs = 'node:fs/promises';
    const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ fs);
    return init({ module_or_path: await readFile(url) });
  }
  return init({ module_or_path: url });
}
