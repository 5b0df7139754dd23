import type { MikroORM } from "@mikro-orm/core";
import { ModelSnapshotEntity } from "../entities/model-snapshot.js";

/** The latest snapshot of each trained model; a save replaces the previous one. */
export class OrmModelStore {
  constructor(private readonly orm: MikroORM) {}

  /** When the stored model was trained, without reading its bytes. */
  async trainedAt(name: string): Promise<Date | undefined> {
    const row = await this.orm.em.fork().findOne(ModelSnapshotEntity, { name }, { fields: ["trainedAt"], disableIdentityMap: true });
    return row?.trainedAt;
  }

  async load(name: string): Promise<{ data: Uint8Array; trainedAt: Date } | undefined> {
    const row = await this.orm.em.fork().findOne(ModelSnapshotEntity, { name }, { disableIdentityMap: true });
    return row ? { data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength), trainedAt: row.trainedAt } : undefined;
  }

  async save(name: string, data: Uint8Array, trainedAt: Date): Promise<void> {
    await this.orm.em.fork().upsert(ModelSnapshotEntity, { name, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), trainedAt });
  }
}
