import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { sourceApis } from "./registry.js"
import { loadSources, sourceTypes } from "./sources.js"

describe("the connector registry", () => {
  it("has a connector for every API type the sources file accepts, under the same name", () => {
    const apiTypes = sourceTypes.filter((type) => type !== "jsonld")
    expect([...sourceApis.keys()].sort()).toEqual([...apiTypes].sort())
  })

  it("runs the main job's demo sources: valid, on the demo site, at least three source types", async () => {
    const sources = await Effect.runPromise(
      loadSources(join(import.meta.dirname, "sources.demo.yaml"), { JOBSTREAM_DEMO_URL: "http://127.0.0.1:8788" })
    )
    expect(new Set(sources.map((s) => s.type)).size).toBeGreaterThanOrEqual(3)
    for (const source of sources) {
      const urls = [...source.urls, ...(source.baseUrl === undefined ? [] : [source.baseUrl])]
      expect(urls.length).toBeGreaterThan(0)
      for (const url of urls) expect(url.startsWith("http://127.0.0.1:8788/")).toBe(true)
    }
  })
})
