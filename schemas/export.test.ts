import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { exported, outDir, render } from "./export.js"

describe("exported JSON Schemas", () => {
  it.each(Object.keys(exported))(
    "schemas/json/%s.schema.json is current (run `npm run schemas:export` after changing a schema)",
    async (name) => {
      const committed = await readFile(join(outDir, `${name}.schema.json`), "utf8")
      expect(committed).toBe(render(name))
    }
  )

  it("describes the raw posting's required fields", () => {
    const schema = JSON.parse(render("RawPosting.v1"))
    expect(schema.$defs.RawPosting.required).toEqual(
      expect.arrayContaining(["source", "externalId", "url", "fetchedAt", "contentHash", "fields", "payload"])
    )
  })
})
