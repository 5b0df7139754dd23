/**
 * `@stuckai/sdk/web`: the client for browsers and React Native, over Connect or gRPC-Web on
 * `fetch`. Pulls in no Node.js module. Re-exports everything of `@stuckai/sdk`.
 *
 * @packageDocumentation
 */
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createStuckClient as createCoreClient, type StuckClient } from "../core/client.js";
import type { StuckClientCommonOptions } from "../core/options.js";

export * from "../index.js";
export { localStorageTokenStore, type LocalStorageTokenStoreOptions, type StorageLike } from "./local-storage-store.js";

export interface StuckWebClientOptions extends StuckClientCommonOptions {
  /** Where the API is. A page on another origin needs that origin in the server's `CORS_ORIGINS`. */
  readonly baseUrl: string;
  /** `connect` (default) or `grpc-web`. */
  readonly protocol?: "connect" | "grpc-web";
  /** Connect only: protobuf binary rather than JSON (the default, readable in the browser's network tab). */
  readonly useBinaryFormat?: boolean;
  /** Run on every attempt of every call, after the SDK has set the access token. */
  readonly interceptors?: Interceptor[];
  /** A `fetch` to use instead of the global one. */
  readonly fetch?: typeof globalThis.fetch;
}

/** A StuckAI client for browsers and React Native. */
export function createStuckClient(options: StuckWebClientOptions): StuckClient {
  return createCoreClient({ ...options, transport: webTransport(options) });
}

/** The Connect or gRPC-Web transport `createStuckClient` uses, without the SDK's behaviour. */
export function webTransport(options: StuckWebClientOptions): Transport {
  const { baseUrl, protocol = "connect", interceptors = [], fetch } = options;
  return protocol === "grpc-web"
    ? createGrpcWebTransport({ baseUrl, interceptors, fetch })
    : createConnectTransport({ baseUrl, useBinaryFormat: options.useBinaryFormat ?? false, interceptors, fetch });
}
