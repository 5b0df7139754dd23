// gRPC server reflection (v1 and v1alpha) for connect-node, so grpcurl / buf curl / Postman
// can discover our services. Modelled on @grpc/reflection's reflection-v1 implementation.
import { create, fromBinary, toBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  ErrorResponseSchema,
  ExtensionNumberResponseSchema,
  FileDescriptorResponseSchema,
  ListServiceResponseSchema,
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../sdk/src/gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../sdk/src/gen/grpc/reflection/v1alpha/reflection_pb.js";

const NOT_FOUND = 5; // google.rpc.Code, sent in-band: reflection reports errors per request, not per stream
const UNIMPLEMENTED = 12;

class ReflectionIndex {
  readonly files = new Map<string, DescFile>(); // "a/b.proto" -> file
  readonly symbols = new Map<string, DescFile>(); // fully-qualified name -> declaring file
  readonly extensions = new Map<string, Map<number, DescFile>>(); // extendee -> number -> file
  readonly services: string[] = [];
  private readonly encoded = new Map<DescFile, Uint8Array>();

  /** @param documented serialized FileDescriptorProtos by file name, with source info (comments), served instead of the generated ones. */
  constructor(
    roots: readonly DescFile[],
    private readonly documented: ReadonlyMap<string, Uint8Array> = new Map(),
  ) {
    const queue = [...roots];
    for (let file = queue.shift(); file; file = queue.shift()) {
      if (this.files.has(file.proto.name)) continue;
      this.files.set(file.proto.name, file);
      // Clients resolve every import before they trust a file, so dependencies (incl. WKTs) must be served too.
      queue.push(...file.dependencies);
      for (const type of nestedTypes(file)) {
        this.symbols.set(type.typeName, file);
        switch (type.kind) {
          case "service":
            this.services.push(type.typeName);
            for (const m of type.methods) this.symbols.set(`${type.typeName}.${m.name}`, file);
            break;
          case "message":
            for (const f of type.fields) this.symbols.set(`${type.typeName}.${f.name}`, file);
            break;
          case "extension": {
            const byNumber = this.extensions.get(type.extendee.typeName) ?? new Map<number, DescFile>();
            this.extensions.set(type.extendee.typeName, byNumber.set(type.number, file));
            break;
          }
        }
      }
    }
  }

  /** The file itself always, then transitive imports this stream has not received yet (as grpc-go does). */
  withDependencies(file: DescFile, sent: Set<string>): Uint8Array[] {
    const out: Uint8Array[] = [];
    const seen = new Set<DescFile>();
    const queue = [file];
    for (let f = queue.shift(); f; f = queue.shift()) {
      if (seen.has(f)) continue;
      seen.add(f);
      if (f === file || !sent.has(f.proto.name)) {
        sent.add(f.proto.name);
        let bytes = this.encoded.get(f);
        if (!bytes) {
          bytes = this.documented.get(f.proto.name) ?? toBinary(FileDescriptorProtoSchema, f.proto);
          this.encoded.set(f, bytes);
        }
        out.push(bytes);
      }
      queue.push(...f.dependencies);
    }
    return out;
  }

  answer(req: ServerReflectionRequest, sent: Set<string>): ServerReflectionResponse["messageResponse"] {
    const files = (file: DescFile | undefined, what: string): ServerReflectionResponse["messageResponse"] =>
      file
        ? { case: "fileDescriptorResponse", value: create(FileDescriptorResponseSchema, { fileDescriptorProto: this.withDependencies(file, sent) }) }
        : error(NOT_FOUND, `${what} not found`);
    const r = req.messageRequest;
    switch (r.case) {
      case "listServices":
        return { case: "listServicesResponse", value: create(ListServiceResponseSchema, { service: this.services.map((name) => ({ name })) }) };
      case "fileByFilename":
        return files(this.files.get(r.value), `file ${r.value}`);
      case "fileContainingSymbol":
        return files(this.symbols.get(r.value.replace(/^\./, "")), `symbol ${r.value}`);
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = r.value;
        return files(this.extensions.get(containingType)?.get(extensionNumber), `extension ${containingType}(${extensionNumber})`);
      }
      case "allExtensionNumbersOfType": {
        // A known message without extensions is a valid, empty answer; only unknown types are NOT_FOUND.
        const byNumber = this.extensions.get(r.value);
        if (!byNumber && !this.symbols.has(r.value)) return error(NOT_FOUND, `type ${r.value} not found`);
        const value = create(ExtensionNumberResponseSchema, { baseTypeName: r.value, extensionNumber: [...(byNumber?.keys() ?? [])] });
        return { case: "allExtensionNumbersResponse", value };
      }
      default:
        return error(UNIMPLEMENTED, "unsupported reflection request");
    }
  }

  async *serve(reqs: AsyncIterable<ServerReflectionRequest>): AsyncIterable<ServerReflectionResponse> {
    const sent = new Set<string>(); // per stream: clients cache what they already got
    for await (const req of reqs) {
      yield create(ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse: this.answer(req, sent) });
    }
  }
}

function error(errorCode: number, errorMessage: string): ServerReflectionResponse["messageResponse"] {
  return { case: "errorResponse", value: create(ErrorResponseSchema, { errorCode, errorMessage }) };
}

export function registerReflection(
  router: ConnectRouter,
  files: readonly DescFile[],
  documented?: ReadonlyMap<string, Uint8Array>,
): void {
  const index = new ReflectionIndex(files, documented);
  router.service(ServerReflection, {
    async *serverReflectionInfo(reqs) {
      yield* index.serve(reqs);
    },
  });
  // v1alpha is wire-identical to v1 (same field numbers), so a binary round trip converts losslessly.
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(reqs) {
      const converted = (async function* () {
        for await (const r of reqs) yield fromBinary(ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, r));
      })();
      for await (const res of index.serve(converted)) {
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(ServerReflectionResponseSchema, res));
      }
    },
  });
}
