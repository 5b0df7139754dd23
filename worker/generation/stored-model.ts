/** Where trained models are kept (the database's model_snapshots table). */
export interface ModelStore {
  trainedAt(name: string): Promise<Date | undefined>;
  load(name: string): Promise<{ data: Uint8Array; trainedAt: Date } | undefined>;
  save(name: string, data: Uint8Array, trainedAt: Date): Promise<void>;
}

/**
 * This process's copy of a model another process may retrain: the stored training time is checked
 * at most every `checkMs`, and the model is loaded only when it is newer than the copy held.
 */
export class StoredModel<T> {
  private model: T | undefined;
  private trainedAt = 0;
  private checkedAt = -Infinity;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly name: string,
    private readonly decode: (bytes: Uint8Array) => T,
    private readonly options: { checkMs: number; now?: () => number; onError?: (err: Error) => void },
  ) {}

  async current(): Promise<T | undefined> {
    const now = (this.options.now ?? Date.now)();
    if (now - this.checkedAt >= this.options.checkMs) {
      this.checkedAt = now;
      // A failed check keeps the copy held (or none): ranking works without the model.
      this.checking ??= this.check()
        .catch((err: unknown) => this.options.onError?.(err instanceof Error ? err : new Error(String(err))))
        .finally(() => (this.checking = undefined));
    }
    // The first load is awaited; later ones swap the model in when done.
    if (this.model === undefined && this.checking) await this.checking;
    return this.model;
  }

  /** When the stored model (whoever trained it) was trained; undefined when there is none. */
  storedAt(): Promise<Date | undefined> {
    return this.store.trainedAt(this.name);
  }

  /** Stores a model this process trained and uses it at once. */
  async publish(model: T, bytes: Uint8Array, trainedAt: Date): Promise<void> {
    await this.store.save(this.name, bytes, trainedAt);
    this.model = model;
    this.trainedAt = trainedAt.getTime();
  }

  private async check(): Promise<void> {
    const stored = await this.store.trainedAt(this.name);
    if (!stored || stored.getTime() <= this.trainedAt) return;
    const loaded = await this.store.load(this.name);
    if (!loaded) return;
    this.model = this.decode(loaded.data);
    this.trainedAt = loaded.trainedAt.getTime();
  }
}
