import { Arbitrary, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Api from "./Api.js"
import * as Application from "./Application.js"
import * as Common from "./common.js"
import { Topics } from "./Envelope.js"
import * as Job from "./Job.js"
import * as Lifecycle from "./Lifecycle.js"
import * as RawPosting from "./RawPosting.js"
import * as Review from "./Review.js"
import * as Seeker from "./Seeker.js"

/**
 * Every schema `schemas/` exports round-trips: a value generated from the schema encodes to something that
 * decodes back to it, and encoding that again gives the same encoding. Topic payloads also survive the wire
 * (JSON text, as `Envelope.encode` writes it). Schemas are found by walking the modules' exports, so a schema
 * added later is covered without a line here.
 */

const seed = 20_241_102
const modules = { Api, Application, Common, Job, Lifecycle, RawPosting, Review, Seeker }

const schemas = Object.entries(modules).flatMap(([module, exports]) =>
  Object.entries(exports)
    .filter((entry): entry is [string, Schema.Schema<unknown, unknown>] => Schema.isSchema(entry[1]))
    .map(([name, schema]) => [`${module}.${name}`, schema] as const)
)

describe("every schema in schemas/", () => {
  it("is found by walking the modules' exports", () => {
    expect(schemas.map(([name]) => name)).toEqual(
      expect.arrayContaining(["RawPosting.RawPosting", "Job.Job", "Seeker.Preferences", "Api.JobsQuery", "Common.Text"])
    )
  })

  it.each(schemas)("%s: decode(encode(a)) is a, and encode(decode(x)) is x", (_name, schema) => {
    const encode = Schema.encodeSync(schema)
    const decode = Schema.decodeUnknownSync(schema)
    fc.assert(
      fc.property(Arbitrary.make(schema), (value) => {
        const encoded = encode(value)
        const decoded = decode(encoded)
        expect(decoded).toEqual(value)
        expect(encode(decoded)).toEqual(encoded)
      }),
      { seed, numRuns: 50 }
    )
  })
})

describe("every topic's payload", () => {
  it.each(Object.values(Topics).map((topic) => [topic.name, topic] as const))(
    "%s: crosses the wire (JSON text, as the envelope writes it) and encodes to the same text again",
    (_name, topic) => {
      const schema = topic.schema as Schema.Schema<unknown, unknown>
      const encode = Schema.encodeSync(schema)
      fc.assert(
        fc.property(arbitraryOnTheWire(topic.name, schema), (value) => {
          const wire = JSON.stringify(encode(value))
          expect(JSON.stringify(encode(Schema.decodeUnknownSync(schema)(JSON.parse(wire))))).toBe(wire)
        }),
        { seed, numRuns: 100 }
      )
    }
  )
})

/**
 * Values of the schema, as a producer can send them. A connector's raw salary can be non-finite (a JSON literal
 * such as 1e999 parses to Infinity); it crosses as null and the normalizer dead-letters that one posting, which is
 * better than refusing it in the connector, where the whole page would fail. Every other payload is written by
 * this code and its schemas refuse non-finite numbers.
 */
const arbitraryOnTheWire = (topic: string, schema: Schema.Schema<unknown, unknown>) =>
  topic === Topics.raw.name
    ? Arbitrary.make(schema).filter((raw) => {
        const salary = (raw as RawPosting.RawPosting).fields.salary
        return [salary?.min, salary?.max].every((n) => n === undefined || Number.isFinite(n))
      })
    : Arbitrary.make(schema)
