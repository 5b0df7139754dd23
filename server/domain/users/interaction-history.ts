// STUB — to be implemented (ListInteractionHistory + GetAnalytics).
import { DomainError } from "../errors.js";
export class InteractionHistory {
  constructor(..._deps: unknown[]) {}
  list(..._args: unknown[]): never {
    throw new DomainError("unimplemented", "NOT_IMPLEMENTED", "not implemented yet");
  }
}
