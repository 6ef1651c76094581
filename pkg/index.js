// @gatehouse/auth0 for browsers and bundlers (Vite, webpack, esbuild): the
// wasm is fetched next to this file (`new URL(..., import.meta.url)`, which
// bundlers rewrite to the emitted asset). Run in Node instead, it reads the
// file from disk, so this one entry works everywhere.

import init from './gatehouse_js.js';
import { ManagementClient as Client } from './client.js';

async function loadWasm() {
  const url = new URL('./gatehouse_js_bg.wasm', import.meta.url);
  if (url.protocol === 'file:' && typeof process !== 'undefined' && process.versions?.node) {
    const fs = 'node:fs/promises';
    const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ fs);
    return init({ module_or_path: await readFile(url) });
  }
  return init({ module_or_path: url });
}

/** A client for the Auth0 Management API v2 and the Teams API (see client.js). */
export class ManagementClient extends Client {
  constructor(options) {
    super(options, loadWasm);
  }
}

export { GatehouseError, ApiError, ValidationError, ResultWindowError } from './client.js';
