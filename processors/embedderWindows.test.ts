import { describe, expect, it } from "vitest"
import { batches, windows } from "./embedderWindows.js"

describe("windows and batches", () => {
  it("cuts ids into windows that cover every token and overlap as asked", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i)
    const ws = windows(ids, 510, 64)
    expect(ws.map((w) => [w[0], w.at(-1)])).toEqual([
      [0, 509],
      [446, 955],
      [892, 999]
    ])
    expect(windows([], 510, 64)).toEqual([[]])
    expect(windows(ids.slice(0, 510), 510, 64)).toHaveLength(1)
  })

  it("batches long windows alone and short ones together, longest first", () => {
    expect(batches([10, 500, 30, 480, 20], 32, 512)).toEqual([[1], [3], [2, 4, 0]])
    expect(batches([5, 5, 5, 5, 5], 2, 512)).toEqual([[0, 1], [2, 3], [4]])
    expect(batches([], 32, 512)).toEqual([])
  })
})
