// The hand-written part of @gatehouse/auth0: namespaces, async iterators,
// Error subclasses and the `fetch` of each attempt, over the wasm-bindgen
// exports. The logic (requests, validation, tokens, pacing, retries, paging,
// error typing) is in Rust (crates/js); JSON is parsed and written here only.

import { Core } from './gatehouse_js.js';
import { MESSAGES, REASONS } from './gatehouse_js_messages.js';

/** Copies the fields of `details` named in `keys` that are set onto `error`. */
function copy(error, details, keys) {
  for (const k of keys) if (details[k] !== undefined) error[k] = details[k];
}

/** Base class of every error the client throws. */
export class GatehouseError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = new.target.name;
    /** What went wrong: `api`, `validation`, `config`, `result_window`, `timeout`, `connect`, `dropped`, `decode`... */
    this.kind = details.kind ?? 'other';
    // `code`: the error's sentence (`option_unknown`, `timeout`, `config`...), when it has one;
    // `operation`: the method called (`users.list`), for an error a method threw.
    copy(this, details, ['code', 'statusCode', 'rateLimit', 'attempts', 'path', 'timeoutMs', 'operation']);
  }
}

/** Auth0 answered with an error status. */
export class ApiError extends GatehouseError {
  constructor(message, details = {}) {
    super(message, { kind: 'api', ...details });
    this.statusCode = details.statusCode;
    this.errorCode = details.errorCode ?? undefined;
    this.error = details.error ?? undefined;
    this.rateLimit = details.rateLimit;
    this.body = details.body;
    if (details.token) this.token = true;
  }
}

/** The request was refused before it was sent. */
export class ValidationError extends GatehouseError {
  constructor(message, details = {}) {
    super(message, { kind: 'validation', ...details });
    // A refused option (`kind: 'option'`): which one, and what is accepted.
    copy(this, details, ['option', 'field', 'value', 'allowed', 'unknown', 'accepted']);
  }
}

/** Offset paging cannot reach past Auth0's first 1,000 results. */
export class ResultWindowError extends GatehouseError {
  constructor(message, details = {}) {
    super(message, { kind: 'result_window', ...details });
    this.window = details.window ?? 1000;
    copy(this, details, ['total', 'page', 'perPage']);
  }
}

const CLASSES = { ApiError, ValidationError, ResultWindowError, GatehouseError };

const show = (v) => (Array.isArray(v) ? v.map((x) => `\`${x}\``).join(', ') : String(v));

/**
 * The sentence of an error Rust describes by the code of its sentence and its
 * fields: the code's template (the model's table, gatehouse_js_messages.js) with
 * each `{field}` replaced by the field, a list as its items in backticks joined
 * by `, ` (the rule of the Rust `Message::render`).
 */
function compose(e) {
  // An API error whose body had no message: its status's reason phrase (the model's rule).
  if (e.name === 'ApiError') return REASONS[e.statusCode] ?? 'Error';
  const template = MESSAGES[e.code];
  if (template === undefined) return String(e.code);
  return template.replace(/\{(\w+)\}/g, (m, k) => (e[k] === undefined ? m : show(e[k])));
}

/**
 * Turns the error description Rust rejects with into an instance of its class,
 * with `operation`, the method called (`name`). The wasm's table has no names
 * (calls go by position): a sentence that names the operation gets it here.
 */
function toError(e, name) {
  if (e === null || typeof e !== 'object' || e instanceof Error || typeof e.name !== 'string') return e;
  if (name !== undefined && !e.operation) e.operation = name;
  const Class = CLASSES[e.name] ?? GatehouseError;
  return new Class(e.message ?? compose(e), e);
}

const ids = (args, n) => args.slice(0, n).filter((a) => a !== undefined && a !== null).map(String);

/** A successful answer that is not JSON (decoding it failed). */
class NotJson {
  constructor(text, error) {
    this.text = text;
    this.error = error;
  }
}

/** The JSON of an answer Rust resolved with, or the decode error. */
function parse(body) {
  if (body instanceof NotJson) {
    throw new GatehouseError(`the answer is not JSON: ${body.error.message}`, { kind: 'decode' });
  }
  return body;
}

const RATE_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'];

/**
 * A rate-limit header as a whole number, or `undefined` when absent or not
 * one. `Retry-After` may also be an HTTP date: it becomes the seconds from now
 * until then (0 when past), so the wasm reads numbers only.
 */
function rateValue(name, v) {
  if (v === null) return undefined;
  v = v.trim();
  if (/^\d{1,15}$/.test(v)) return Number(v);
  if (name !== 'retry-after') return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.floor((at - Date.now()) / 1000));
}

/**
 * The `fetch` Rust's send loop calls for each attempt (crates/js/src/send.rs):
 * resolves with `[status, the four rate-limit header values, body]`, the body
 * parsed by `JSON.parse` (`undefined` when empty; an error answer that is not
 * JSON as its text). The attempt is aborted after `timeoutMs`.
 */
function transport(credentials) {
  return async (method, url, headers, body, timeoutMs) => {
    const pairs = [];
    for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]]);
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, { method, headers: pairs, body, signal, credentials });
    const text = await res.text();
    let value;
    // Any text but whitespace (found at its first character, not by copying a trimmed page).
    if (/\S/.test(text)) {
      try {
        value = JSON.parse(text);
      } catch (e) {
        value = res.ok ? new NotJson(text, e) : text;
      }
    }
    return [res.status, ...RATE_HEADERS.map((h) => rateValue(h, res.headers.get(h))), value];
  };
}

const num = (v) => (typeof v === 'number' ? v : undefined);
const text = (v) => (typeof v === 'string' ? v : undefined);

/**
 * A page's items (under `key`, or the page itself when it is an array), after
 * telling the pager what its walk reads of the page: how many items, whether
 * it was an array, `start`, `limit`, `total`, `next` and the last item's `log_id`.
 */
function readPage(pager, key, raw) {
  const bare = Array.isArray(raw);
  const env = bare || raw === null || typeof raw !== 'object' ? {} : raw;
  const items = bare ? raw : Array.isArray(env[key]) ? env[key] : [];
  const last = items[items.length - 1];
  pager.page(items.length, bare, num(env.start), num(env.limit), num(env.total), text(env.next), text(last?.log_id));
  return items;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a file given as bytes: UTF-8 (Auth0's imports are JSON files), refused otherwise. */
function fileText(bytes, field) {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError(`the file \`${field}\` is not UTF-8 text`, { kind: 'body' });
  }
}

const isFile = (v) => (typeof Blob !== 'undefined' && v instanceof Blob) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);

/** Whether a body has a top-level field given as a file (checked without waiting). */
function hasFiles(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  for (const key in body) if (isFile(body[key])) return true;
  return false;
}

/**
 * A body whose top-level fields may be files (`Blob`, `File`, `Uint8Array`,
 * `Buffer`, `ArrayBuffer`), with each file as its text, so that it crosses to
 * Rust as JSON; the operation's multipart encoding sends them as file parts.
 */
async function withFiles(body) {
  if (!hasFiles(body)) return body;
  let out = body;
  for (const [field, value] of Object.entries(body)) {
    let text;
    if (typeof Blob !== 'undefined' && value instanceof Blob) {
      text = fileText(new Uint8Array(await value.arrayBuffer()), field);
    } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      text = fileText(bytes, field);
    } else {
      continue;
    }
    if (out === body) out = { ...body };
    out[field] = text;
  }
  return out;
}

let loading = null;

/** Loads and instantiates the wasm once; every client waits on the same promise. */
function load(loader) {
  loading ??= Promise.resolve()
    .then(loader)
    .catch((e) => {
      loading = null;
      throw e;
    });
  return loading;
}

function place(root, dotted, value) {
  const parts = dotted.split('.');
  let node = root;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts[parts.length - 1]] = value;
}

/**
 * A client for the Auth0 Management API v2 and the Teams API.
 *
 * Methods are grouped as Auth0 groups its endpoints (`client.users.list()`,
 * `client.organizations.members.add(orgId, userIds)`, `client.teams.tenants.list()`)
 * and resolve with plain objects as Auth0 sent them.
 */
export class ManagementClient {
  #options;
  #loader;
  #transport;
  #core = null;

  /**
   * `loader` instantiates the wasm; `api` is the method list (`METHODS`,
   * `DEPRECATED`: all of gatehouse_js_api.js, or one resource's part of it
   * in entry/, with `FIRST`, the position of its first method in the whole list).
   * The package's entry points pass theirs. The wasm knows an operation by
   * its position in the whole list.
   */
  constructor(options, loader, api) {
    if (typeof loader !== 'function' || typeof api?.METHODS !== 'string') {
      throw new GatehouseError('import ManagementClient from @gatehouse/auth0, not from client.js');
    }
    this.#loader = loader;
    if (options === null || typeof options !== 'object') {
      throw new ValidationError('new ManagementClient(options): options must be an object', { kind: 'config' });
    }
    this.#options = { ...options };
    // Cookies go along only in cookie mode with `credentials: 'include'` (then to the BFF's origin).
    this.#transport = transport(options.credentials === 'include' ? 'include' : 'same-origin');
    // One method per operation of both specs, at its dotted name: the ids,
    // then the body (when the operation takes one), then the options.
    // METHODS is a tree of the names (xtask/src/methods.rs): `group(children)`; a method
    // is its name's last part, then its code, '0' + 4 * its number of path parameters +
    // its flags (1: takes a body, 2: a list), then `,` unless its group closes. Depth
    // first, the methods come in the wasm's order. Each match: a word and what ends it.
    const methods = new Map();
    const path = [];
    let id = api.FIRST ?? 0;
    for (const [, word, end] of api.METHODS.matchAll(/([^(),]*)(.)/g)) {
      if (end === '(') {
        path.push(word);
      } else if (word) {
        const name = [...path, word.slice(0, -1)].join('.');
        const code = word.charCodeAt(word.length - 1) - 48;
        const n = code >> 2;
        const op = [id++, name];
        const method =
          code & 1
            ? (...args) => this.#call(op, ids(args, n), args[n + 1], args[n])
            : (...args) => this.#call(op, ids(args, n), args[n]);
        if (code & 2) {
          // A list: `method.all()` iterates over the items, `method.pages()` over the pages;
          // a list named `list` also has them beside it (`client.users.all()`).
          method.all = (...args) => this.#iterate(op, ids(args, n), args[n], false);
          method.pages = (...args) => this.#iterate(op, ids(args, n), args[n], true);
          if (name.endsWith('.list')) {
            const base = name.slice(0, -'list'.length);
            place(this, `${base}all`, method.all);
            place(this, `${base}pages`, method.pages);
          }
        }
        methods.set(name, method);
        place(this, name, method);
      }
      if (end === ')') path.pop();
    }
    // Names of earlier versions (deprecated), answering as the spec's name does.
    for (const [old, name] of api.DEPRECATED ?? []) {
      const method = methods.get(name);
      place(this, old, method);
      if (old.endsWith('.list') && method.all) {
        place(this, `${old.slice(0, -'list'.length)}all`, method.all);
        place(this, `${old.slice(0, -'list'.length)}pages`, method.pages);
      }
    }
  }

  /** Loads the wasm and checks the options; resolves with the client. Calls do this by themselves. */
  async ready() {
    await this.#get();
    return this;
  }

  async #get() {
    if (this.#core === null) {
      await load(this.#loader);
      try {
        this.#core ??= new Core(this.#options, this.#transport);
      } catch (e) {
        throw toError(e);
      }
    }
    return this.#core;
  }

  /** Calls the operation `[id, name]` (its position in the whole method list, its name). */
  async #call([id, name], params, options, body) {
    const core = await this.#get();
    if (hasFiles(body)) body = await withFiles(body);
    let answer;
    try {
      answer = await core.call(id, params, options, body);
    } catch (e) {
      throw toError(e, name);
    }
    return parse(answer);
  }

  async *#iterate([id, name], params, options, pages) {
    const core = await this.#get();
    let pager;
    try {
      pager = core.pager(id, params, options);
    } catch (e) {
      throw toError(e, name);
    }
    const key = pager.itemsKey;
    try {
      for (;;) {
        let page;
        try {
          page = await pager.next();
        } catch (e) {
          throw toError(e, name);
        }
        if (page === undefined) return;
        const raw = parse(page[0]) ?? [];
        let items;
        try {
          items = readPage(pager, key, raw);
        } catch (e) {
          throw toError(e, name);
        }
        if (pages) {
          yield { items, total: raw.total, next: raw.next, raw };
        } else {
          yield* items;
        }
      }
    } finally {
      pager.free();
    }
  }

  /** The rate-limit headers of the latest response that had any. */
  rateLimit() {
    return this.#core === null ? {} : this.#core.rateLimit();
  }

  /** Counters since the client was built: requests, retries, 429s, token requests, paced requests. */
  metrics() {
    if (this.#core === null) return {};
    const [requests, retries, rateLimited, tokenRequests, paced, transportErrors] = this.#core.metrics();
    return { requests, retries, rateLimited, tokenRequests, paced, transportErrors };
  }

  /** Forgets cached access tokens; the next call fetches new ones. */
  clearTokens() {
    this.#core?.clearTokens();
  }
}
