import { Schema } from "effect"
import { Attribution, HttpUrl, Timestamp } from "./common.js"

/**
 * What every connector emits on `jobs.raw`: one posting as found at its source, with the fields the connector
 * could lift out of it. Nothing here is cleaned up yet; `processors/normalize/` does that.
 */
export const RawFields = Schema.Struct({
  title: Schema.optional(Schema.String),
  company: Schema.optional(Schema.String),
  /** HTML or plain text, as the source gives it. */
  description: Schema.optional(Schema.String),
  /** Free-form location strings, one per place the posting names. */
  locations: Schema.optional(Schema.Array(Schema.String)),
  /** The source's own remote marker (schema.org `jobLocationType: TELECOMMUTE`, a `remote` flag, ...). */
  remote: Schema.optional(Schema.Boolean),
  employmentType: Schema.optional(Schema.Array(Schema.String)),
  datePosted: Schema.optional(Schema.String),
  validThrough: Schema.optional(Schema.String),
  /** The employer's requisition id, when the source shows one. */
  requisitionId: Schema.optional(Schema.String),
  salary: Schema.optional(
    Schema.Struct({
      min: Schema.optional(Schema.Number),
      max: Schema.optional(Schema.Number),
      currency: Schema.optional(Schema.String),
      /** As the source writes it: `YEAR`, `per hour`, `monthly`, ... */
      unit: Schema.optional(Schema.String),
      /** A salary written as text ("$53K-$91K (Glassdoor est.)"), parsed by the normalizer. */
      text: Schema.optional(Schema.String)
    })
  )
}).annotations({ identifier: "RawFields" })
export type RawFields = typeof RawFields.Type

export const RawPosting = Schema.Struct({
  /** The configured source this came from, e.g. `demo-careers`. */
  source: Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(200)),
  /** The kind of connector: `jsonld`, `greenhouse`, ... */
  sourceType: Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(50)),
  /** The posting's id at its source; unique within `source`. */
  externalId: Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(500)),
  url: HttpUrl,
  fetchedAt: Timestamp,
  /** SHA-256 of the raw payload's canonical JSON: changes exactly when the source's content changes. */
  contentHash: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/)),
  fields: RawFields,
  /** The payload as found (a JSON-LD object, an API item, ...), kept for reprocessing: JSON, as the source sent it. */
  payload: Schema.Unknown.annotations({ arbitrary: () => (fc) => fc.jsonValue() }),
  /** Credit the source's terms require wherever the posting is shown (Remote OK, Adzuna): a text and a link. */
  attribution: Schema.optional(Attribution)
}).annotations({
  identifier: "RawPosting",
  description: "A job posting as a connector found it, before normalization"
})
export type RawPosting = typeof RawPosting.Type
