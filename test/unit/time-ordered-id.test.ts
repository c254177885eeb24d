import { timeOrderedUuid } from "../../src/common/time-ordered-id";

const GUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("timeOrderedUuid", () => {
  it("makes version 7 GUIDs that start with the time", () => {
    const id = timeOrderedUuid(Date.UTC(2026, 10, 22, 12, 0, 0));
    expect(id).toMatch(GUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2026, 10, 22, 12, 0, 0));
  });

  it("sorts ids in the order they were made, also many within one millisecond, and never repeats one", () => {
    const at = Date.UTC(2030, 0, 1);
    const ids = [...Array.from({ length: 10_000 }, () => timeOrderedUuid(at)), timeOrderedUuid(at + 5_000)];
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => GUID_V7.test(id))).toBe(true);
  });
});
