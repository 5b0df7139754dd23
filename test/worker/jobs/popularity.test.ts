import { describe, expect, it } from "vitest";
import { POPULARITY_SCALE, popularity } from "../../../worker/jobs/popularity.js";

describe("popularity", () => {
  it("is 0 without positive engagement, whatever the views", () => {
    expect(popularity({})).toBe(0);
    expect(popularity({ view: 500 })).toBe(0);
    expect(popularity({ like: 2, dislike: 3 })).toBe(0);
  });

  it("grows with engagement towards 1 and stays within [0, 1]", () => {
    const few = popularity({ like: 2, click: 2, view: 4 });
    const many = popularity({ like: 200, click: 200, view: 400 });
    expect(few).toBeGreaterThan(0);
    expect(many).toBeGreaterThan(few);
    expect(popularity({ like: 1e6, click: 1e6 })).toBeLessThanOrEqual(1);
    // At the scale, engagement is 1 − 1/e; with a neutral click-through rate (½) the factor is 1.
    expect(popularity({ like: POPULARITY_SCALE, click: 0, view: 0 })).toBeCloseTo((1 - Math.exp(-1)) * (0.5 + 1 / 2), 10);
  });

  it("ranks a clicked-through item above an equally liked one that is mostly scrolled past", () => {
    expect(popularity({ like: 10, click: 40, view: 50 })).toBeGreaterThan(popularity({ like: 10, click: 40, view: 2000 }));
  });
});
