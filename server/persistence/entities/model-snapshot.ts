import { EntitySchema } from "@mikro-orm/core";

/** Row of `model_snapshots`: the latest trained model of one name, as opaque bytes. */
export interface ModelSnapshotRow {
  name: string;
  data: Buffer;
  trainedAt: Date;
}

export const ModelSnapshotEntity = new EntitySchema<ModelSnapshotRow>({
  name: "ModelSnapshotRow",
  tableName: "model_snapshots",
  properties: {
    name: { type: "string", length: 64, primary: true },
    data: { type: "blob" },
    trainedAt: { type: "datetime" },
  },
});
