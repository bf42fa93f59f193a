import { assert, describe, it } from "@effect/vitest"
import { IndexLayout } from "@effect-uds/volume"
import { currentSaveSlot, readIndexTiny, saveSlots, slotRegion } from "../support/indexTiny.js"
import { skipReason, vectorsPresent } from "../support/vectors.js"

const ascii = (bytes: Uint8Array, length: number) => String.fromCharCode(...bytes.subarray(0, length))

describe.skipIf(!vectorsPresent)(`index-tiny save slots${vectorsPresent ? "" : ` (skipped: ${skipReason})`}`, () => {
  it("slot 1 is current, and its regions hold a page map, one volume index zone and the open chapter", () => {
    const { bytes } = readIndexTiny()
    const slots = saveSlots(bytes)
    assert.deepStrictEqual(slots.map((s) => s.type), [2, 2])
    const slot = currentSaveSlot(bytes)
    assert.strictEqual(slot.slot, 1)
    assert.strictEqual(slot.regions[0]!.byteOffset, 0x5e0000)
    assert.strictEqual(ascii(slotRegion(bytes, slot, IndexLayout.RegionKind.IndexPageMap), 8), "ALBIPM02")
    assert.strictEqual(ascii(slotRegion(bytes, slot, IndexLayout.RegionKind.VolumeIndex, 0), 8), "MI5-0005")
    assert.strictEqual(ascii(slotRegion(bytes, slot, IndexLayout.RegionKind.OpenChapter), 5), "ALBOC")
  })
})
