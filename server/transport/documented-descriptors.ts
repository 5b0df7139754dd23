import { readFileSync } from "node:fs";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

/**
 * The `buf build` image of our protos (`npm run generate` writes it next to the generated code).
 * Unlike the generated descriptors it keeps source info, so reflection clients (grpcurl describe,
 * Postman) show the proto comments: the API documentation.
 */
export const DESCRIPTOR_SET_URL = new URL("../../sdk/src/gen/descriptors.binpb", import.meta.url);

/** File name → serialized FileDescriptorProto; empty when the image is missing (then reflection serves comment-less descriptors). */
export function loadDocumentedDescriptors(url: URL = DESCRIPTOR_SET_URL): Map<string, Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch {
    return new Map();
  }
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  return new Map(set.file.map((f) => [f.name, toBinary(FileDescriptorProtoSchema, f)]));
}
