import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { GLASSDOOR, sampleFile, SIMPLIFY } from "./sampleData.js"

/** Git's id of a file's content: what `git ls-tree` lists for the upstream file at the commit in the README. */
const gitBlobId = (bytes: Buffer) =>
  createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex")

describe("sample data", () => {
  it("decompresses to the unchanged upstream files named in sampleData/README.md", () => {
    expect(gitBlobId(sampleFile(GLASSDOOR))).toBe("33bc695cad11f44a36cdfb96c7146d2be88fada7")
    expect(gitBlobId(sampleFile(SIMPLIFY))).toBe("537398f9f33acce1efcb688323da52a874a98752")
  })
})
