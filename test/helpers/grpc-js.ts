import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";

/** A plain @grpc/grpc-js client for a protobuf-es service (what most gRPC users in Node run). */
export function grpcJsClient(service: DescService, address: string): grpc.Client & Record<string, Function> {
  const definition: Record<string, grpc.MethodDefinition<any, any>> = {};
  for (const m of service.methods) {
    definition[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
      responseStream: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
      requestSerialize: (msg: MessageShape<DescMessage>) => Buffer.from(toBinary(m.input, msg)),
      requestDeserialize: (bytes: Buffer) => fromBinary(m.input, bytes),
      responseSerialize: (msg: MessageShape<DescMessage>) => Buffer.from(toBinary(m.output, msg)),
      responseDeserialize: (bytes: Buffer) => fromBinary(m.output, bytes),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition, service.name);
  return new Ctor(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Function>;
}

/** Calls a unary method of a grpc-js client as a promise; rejects with the grpc-js ServiceError. */
export function unary<Res>(
  client: Record<string, Function>,
  method: string,
  request: unknown,
  metadata = new grpc.Metadata(),
): Promise<{ response: Res; trailers: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    let trailers = new grpc.Metadata();
    const call = client[method]!.call(client, request, metadata, (err: grpc.ServiceError | null, response: Res) =>
      err ? reject(err) : resolve({ response, trailers }),
    );
    call.on("status", (s: grpc.StatusObject) => (trailers = s.metadata));
  });
}
