/** A point in WGS 84 decimal degrees. */
export interface GeoPoint {
  readonly latitude: number;
  readonly longitude: number;
}

/** The field violations of a point, named under `field` (e.g. `location.latitude`). */
export function pointViolations(p: GeoPoint, field: string): { field: string; description: string }[] {
  const out: { field: string; description: string }[] = [];
  if (!Number.isFinite(p.latitude) || p.latitude < -90 || p.latitude > 90) {
    out.push({ field: `${field}.latitude`, description: "must be a number in [-90, 90]" });
  }
  if (!Number.isFinite(p.longitude) || p.longitude < -180 || p.longitude > 180) {
    out.push({ field: `${field}.longitude`, description: "must be a number in [-180, 180]" });
  }
  return out;
}
