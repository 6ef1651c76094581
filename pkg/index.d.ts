// Types of @gatehouse/auth0. The method signatures, the options types and the
// Auth0 body types are generated from Auth0's specs by `cargo xtask codegen`
// (gatehouse_js_api.d.ts, gatehouse_js_models.d.ts, copied here by `cargo xtask
// pkg`); the client's options come from wasm-bindgen (gatehouse_js.d.ts). This
// file only ties them to the wrapper's classes.

import type { Api } from './gatehouse_js_api.js';
import type { ClientOptions } from './gatehouse_js.js';

export type * from './gatehouse_js_models.js';
export type {
  ClientOptions,
  PacingOptions,
  RetryOptions,
  PacingSetting,
  RetrySetting,
} from './gatehouse_js.js';
export type * from './gatehouse_js_api.js';

/** Auth0's rate-limit headers of a response (`x-ratelimit-*`, `Retry-After` in seconds). */
export interface RateLimit {
  limit?: number | null;
  remaining?: number | null;
  /** UNIX seconds at which the bucket is full again. */
  reset?: number | null;
  retryAfter?: number | null;
}

/** Counters since the client was built. */
export interface Metrics {
  requests: number;
  retries: number;
  rateLimited: number;
  tokenRequests: number;
  paced: number;
  transportErrors: number;
}

export interface ManagementClient extends Api {}

/**
 * A client for the Auth0 Management API v2 and the Teams API: paced, retrying,
 * caching tokens, with one method per operation grouped as Auth0 groups them.
 */
export declare class ManagementClient {
  constructor(options: ClientOptions);
  /** Loads the wasm and checks the options; calls do this by themselves. */
  ready(): Promise<this>;
  /** The rate-limit headers of the latest response that had any. */
  rateLimit(): RateLimit;
  /** Counters since the client was built. */
  metrics(): Metrics | Record<string, never>;
  /** Forgets cached access tokens; the next call fetches new ones. */
  clearTokens(): void;
}

/** Base class of every error the client throws. */
export declare class GatehouseError extends Error {
  /** `api`, `validation`, `config`, `result_window`, `timeout`, `connect`, `dropped`, `cancelled`, `decode`, `other`. */
  kind: string;
  /** HTTP status, when a response was received. */
  statusCode?: number;
  rateLimit?: RateLimit;
  /** How many times the request was sent, when retries were exhausted. */
  attempts?: number;
  /** The code of the message, for errors raised by the client itself (`option_unknown`, `empty`, `timeout`, `config`...). */
  code?: string;
  /** The timeout that expired, in milliseconds (`kind: 'timeout'`). */
  timeoutMs?: number;
  /** The method called, such as `users.list`, for an error a method threw. */
  operation?: string;
}

/** Auth0 answered with an error status (the token endpoint's refusals included). */
export declare class ApiError extends GatehouseError {
  kind: 'api';
  statusCode: number;
  /** Auth0's machine-readable code, such as `inexistent_user` (some endpoints send none). */
  errorCode?: string;
  /** The reason phrase Auth0 sent, such as `Not Found`. */
  error?: string;
  rateLimit: RateLimit;
  /** The error body as Auth0 sent it. */
  body: unknown;
  /** Set when the token endpoint refused. */
  token?: true;
}

/** The request was refused before it was sent (bad argument, option or body). */
export declare class ValidationError extends GatehouseError {
  /** `option` when an option was refused, `config` for the client's options. */
  kind: string;
  /** The refused option, by Auth0's name (a wrong type or value, or given twice). */
  option?: string;
  /** The values the refused option takes, when it is an enum. */
  allowed?: string[];
  /** Options the method does not take, as given. */
  unknown?: string[];
  /** Every option the method takes, by Auth0's name (camelCase spellings are accepted too). */
  accepted?: string[];
  /** The refused argument or body field, when it is not an option (such as an empty id). */
  field?: string;
  /** The value given, as text, when it was refused (a wrong type or value). */
  value?: string | number;
}

/** Offset paging cannot reach past Auth0's first 1,000 results: narrow the query or use an export job. */
export declare class ResultWindowError extends GatehouseError {
  kind: 'result_window';
  /** 1000. */
  window: number;
  /** How many results Auth0 says match, when paging reached the window. */
  total?: number;
  /** The page asked for, when a request was refused before sending. */
  page?: number;
  perPage?: number;
}
