import { createHash } from "node:crypto"
import { Effect, Layer } from "effect"
import { jobIdOf, type Job } from "../schemas/Job.js"
import { stackTestConfig } from "../stack/testing.js"
import { InfraLive } from "./ingest.js"
import { Unauthorized } from "./Seekers.js"
import { Staff, type StaffMember } from "./Staff.js"

/**
 * The test configuration of stack/testing.ts with every client the app builds on, the local embedder included:
 * for tests that run stages, the API or the whole pipeline.
 */
export const testConfig = (namespace?: string) => {
  const config = stackTestConfig(namespace)
  return { ...config, layer: InfraLive.pipe(Layer.provide(config.configLayer)) }
}

/**
 * Staff that knows one ops key and nothing else: for tests of ops routes whose PostgreSQL is a stand-in (the real
 * Staff reads its accounts there). Every other staff operation dies: those tests do not use it.
 */
export const knownOpsKey = (apiKey: string) => {
  const ops: StaffMember = { staffId: "st_test_ops", name: "Test Ops", role: "ops", maxActive: 1, strikes: 0, locked: false }
  const unused = Effect.dieMessage("not used by these tests")
  return Layer.succeed(
    Staff,
    Staff.of({
      authenticate: (key) =>
        key === apiKey ? Effect.succeed(ops) : Effect.fail(new Unauthorized({ message: "this API key belongs to no staff account, or was revoked" })),
      create: () => unused,
      newKey: () => unused,
      revokeKey: () => unused,
      unlock: () => unused,
      heartbeat: () => unused,
      list: unused
    })
  )
}

/** A normalized job for tests that feed the scorer or the sinks directly: posting `n` of `source`, in Berlin, remote. */
export const testJob = (source: string, n: number, title: string, description: string, company = "Example Analytics"): Job => ({
  jobId: jobIdOf(source, `job-${n}`),
  source,
  sourceType: "test",
  externalId: `job-${n}`,
  url: `https://jobs.example.com/${source}/${n}`,
  canonicalUrl: `https://jobs.example.com/${source}/${n}`,
  title,
  company,
  companyKey: company.toLowerCase(),
  locations: ["Berlin, Germany"],
  remote: true,
  employmentType: "FULL_TIME",
  salary: null,
  description,
  requisitionId: null,
  postedAt: null,
  validThrough: null,
  contentHash: createHash("sha256").update(`${title}\n${description}`).digest("hex"),
  fetchedAt: "2025-06-01T00:00:00.000Z",
  normalizedAt: "2025-06-01T00:00:00.000Z"
})
