// STUB — to be implemented (ExportUserData + DeleteAccount).
import { DomainError } from "../errors.js";
export class DataRights {
  constructor(..._deps: unknown[]) {}
  export(..._args: unknown[]): never {
    throw new DomainError("unimplemented", "NOT_IMPLEMENTED", "not implemented yet");
  }
}
