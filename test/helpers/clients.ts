import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";

/** Every transport a client of ours may use, over real sockets. */
export type TransportName = "connect-json-h1" | "connect-binary-h2" | "grpc" | "grpc-web-h1";
export const TRANSPORTS: readonly TransportName[] = ["connect-json-h1", "connect-binary-h2", "grpc", "grpc-web-h1"];

export function makeTransport(name: TransportName, baseUrl: string, interceptors: Interceptor[] = []): Transport {
  switch (name) {
    case "connect-json-h1":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors });
    case "connect-binary-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, interceptors });
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web-h1":
      // What a browser speaks: gRPC-Web over HTTP/1.1.
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  }
}

/** Adds `authorization: Bearer <token>` to every call. */
export function bearer(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

export function client<S extends DescService>(service: S, transport: TransportName, baseUrl: string, token?: string): Client<S> {
  return createClient(service, makeTransport(transport, baseUrl, token ? [bearer(token)] : []));
}
