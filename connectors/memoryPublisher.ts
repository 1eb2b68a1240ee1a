import { Effect, Layer } from "effect"
import type { RawPosting } from "../schemas/RawPosting.js"
import { Publisher, type CrawlRun } from "./Publisher.js"

/** Everything a crawl hands the Publisher, kept in memory: for tests that only look at what was found. */
export const memoryPublisher = () => {
  const postings: Array<RawPosting> = []
  const rejected: Array<{ url: string; reason: string }> = []
  const runs: Array<CrawlRun> = []
  const layer = Layer.succeed(
    Publisher,
    Publisher.of({
      publish: (found) =>
        Effect.sync(() => {
          postings.push(...found)
          return found.map(() => "new" as const)
        }),
      changed: (source, found) =>
        Effect.sync(() => {
          const last = new Map(postings.filter((p) => p.source === source).map((p) => [p.externalId, p.contentHash]))
          return found.map((p) => last.get(p.externalId) !== p.contentHash)
        }),
      touch: () => Effect.succeed(0),
      closeMissing: () => Effect.succeed(0),
      recordRun: (run) => Effect.sync(() => void runs.push(run)),
      reject: ({ url, reason }) => Effect.sync(() => void rejected.push({ url, reason }))
    })
  )
  return { postings, rejected, runs, layer }
}
