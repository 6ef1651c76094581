// @gatehouse/auth0 for Node 20+: the wasm is read from disk next to this file.

import { readFile } from 'node:fs/promises';
import init from './gatehouse_js.js';
import { ManagementClient as Client } from './client.js';
import * as api from './gatehouse_js_api.js';

const loadWasm = async () => init({ module_or_path: await readFile(new URL('./gatehouse_js_bg.wasm', import.meta.url)) });

/** A client for the Auth0 Management API v2 and the Teams API (see client.js). */
export class ManagementClient extends Client {
  constructor(options) {
    super(options, loadWasm, api);
  }
}

export { GatehouseError, ApiError, ValidationError, ResultWindowError } from './client.js';
