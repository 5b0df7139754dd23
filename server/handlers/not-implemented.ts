import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";

/** Implementation of a service whose RPCs are specified but not built yet: each answers `unimplemented`, clearly. */
export function notImplemented<S extends DescService>(service: S): ServiceImpl<S> {
  const impl: Record<string, () => never> = {};
  for (const method of service.methods) {
    impl[method.localName] = () => {
      throw new DomainError(
        "unimplemented",
        "NOT_IMPLEMENTED",
        `${service.typeName}/${method.name} is part of the published contract but not implemented by this server version yet`,
      );
    };
  }
  return impl as unknown as ServiceImpl<S>;
}
