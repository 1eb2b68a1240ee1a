import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import { describe, expect, it } from "vitest"

/**
 * The tree's layers, lowest first. A file may import from its own folder and from the layers below it, never from
 * a layer above nor from a sibling of its own layer: wire types know nothing of clients, clients nothing of what
 * runs over them, a connector nothing of a processor, and only the wiring (pipelines/) and the dashboards see
 * everything. README "Layers" says what lives where.
 */
const layers: ReadonlyArray<ReadonlyArray<string>> = [
  ["schemas"],
  ["stack"],
  ["connectors", "processors", "sinks"],
  ["pipelines"],
  ["dashboards"]
]

const repoRoot = join(import.meta.dirname, "..")
const rank = new Map(layers.flatMap((folders, i) => folders.map((folder) => [folder, i] as const)))

/** Every relative import of a source file: static, `export ... from`, and dynamic `import()`. */
const importsOf = (source: string) =>
  [...source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!)

/** The imports that go up a layer or sideways, as `file -> specifier`. */
const upwardImports = (files: ReadonlyMap<string, string>): Array<string> =>
  [...files].flatMap(([file, source]) => {
    const own = file.split("/")[0]!
    const ownRank = rank.get(own)
    if (ownRank === undefined) return []
    return importsOf(source)
      .filter((specifier) => {
        const target = normalize(join(dirname(file), specifier)).split("/")[0]!
        const targetRank = rank.get(target)
        return target !== own && targetRank !== undefined && targetRank >= ownRank
      })
      .map((specifier) => `${file} -> ${specifier}`)
  })

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : sourceFiles(path)
    return /\.(ts|mjs)$/.test(entry.name) ? [relative(repoRoot, path)] : []
  })

describe("one direction for imports", () => {
  it("has no import that goes up a layer or sideways, tests included", () => {
    const files = new Map(
      [...rank.keys()].flatMap((folder) => sourceFiles(join(repoRoot, folder))).map((file) => [file, readFileSync(join(repoRoot, file), "utf8")])
    )
    expect(files.size).toBeGreaterThan(100)
    expect(upwardImports(files)).toEqual([])
  })

  it("catches a sink that imports the API, a processor that imports a sink, and a client that imports a stage", () => {
    const files = new Map([
      ["sinks/postgresJobs.ts", 'import { makeApi } from "../pipelines/api.js"'],
      ["processors/scorer.ts", 'import { rowToJob } from "../sinks/postgresJobs.js"'],
      ["stack/Kafka.ts", 'const m = await import("../processors/normalizer.js")'],
      ["pipelines/cli.ts", 'import { Kafka } from "../stack/Kafka.js"\nexport { prepare } from "../stack/clients.js"'],
      ["connectors/jsonld/main.ts", 'import { Job } from "../../schemas/Job.js"\nimport { crawl } from "./crawl.js"']
    ])
    expect(upwardImports(files)).toEqual([
      "sinks/postgresJobs.ts -> ../pipelines/api.js",
      "processors/scorer.ts -> ../sinks/postgresJobs.js",
      "stack/Kafka.ts -> ../processors/normalizer.js"
    ])
  })
})
