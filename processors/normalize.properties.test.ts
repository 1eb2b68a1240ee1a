import { Arbitrary, Either, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Text, Timestamp } from "../schemas/common.js"
import { Headers, Topics, type Received } from "../schemas/Envelope.js"
import { Job } from "../schemas/Job.js"
import { RawPosting } from "../schemas/RawPosting.js"
import { cleanLocations } from "./normalize/places.js"
import { normalizePosting } from "./normalize/posting.js"
import { cleanText, htmlToText } from "./normalize/text.js"
import { normalizeRecord } from "./normalizer.js"

/**
 * Properties of normalization over generated postings: whatever a crawled page holds (NUL, unpaired surrogates,
 * any script, markup, megabytes), normalizing never throws and never writes text PostgreSQL refuses; and text it
 * already normalized comes back unchanged. Fixed seeds: a failure names its seed and the shrunk posting.
 */

const NOW = new Date("2024-06-10T12:00:00.000Z")
const seed = 20_241_101

const markup = fc.constantFrom(
  "<p>", "</p>", "<br>", "<li>", "<ul>", "</ul>", "<div>", "</div>", "<h2>", "</h2>", "<script>x()</script>",
  "<b>", "</b>", "<pre>", "</pre>", "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&lt;p&gt;", "&#0;", "&#xd800;",
  "&nbsp;", "&amp;amp;", "\n", "\r\n", "\t", " ", "\u0000", "\ud83d\ude00", "\ud800", "\udc00", "\u00c2\u00a0", "\uf0b7", "•"
)

/** Short strings of every kind a page can carry: ASCII, any code point, any UTF-16 unit, markup and entities. */
const piece = fc.oneof(
  fc.string(),
  fc.fullUnicodeString(),
  fc.string16bits(),
  fc.array(fc.oneof(markup, fc.string({ maxLength: 8 })), { maxLength: 30 }).map((parts) => parts.join(""))
)

/**
 * Some text, now and then of a hundred thousand characters or more (past every cut-off normalization makes),
 * passed through `edit`.
 */
const textOf = (edit: (s: string) => string) =>
  fc.oneof(
    { weight: 12, arbitrary: piece.map(edit) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(piece.map(edit).filter((s) => s.length > 0), fc.integer({ min: 90_000, max: 260_000 }))
        .map(([s, length]) => s.repeat(Math.ceil(length / s.length)))
    }
  )
const text = textOf((s) => s)

const trimmedName = (max: number) =>
  piece.map((s) => s.trim().slice(0, max).trim()).filter((s) => s.length > 0)

const dateText = fc.oneof(
  text,
  Arbitrary.make(Timestamp),
  fc.constantFrom("2024-02-30", "2024-02-29", "0000-01-01", "yesterday", "3 days ago", "May 1, 2024", "1714521600")
)

/**
 * Raw postings whose text fields are `text` passed through `edit`; titles and companies start with a word from
 * `word`, so that some of them normalize.
 */
const rawPostingOf = (edit: (s: string) => string, word: fc.Arbitrary<string>): fc.Arbitrary<RawPosting> => {
  const text = textOf(edit)
  return fc
  .record(
    {
      source: trimmedName(200),
      sourceType: trimmedName(50),
      externalId: trimmedName(500),
      url: fc.oneof(fc.webUrl(), piece.map((s) => `https://careers.example.com/${s}`)),
      fetchedAt: Arbitrary.make(Timestamp),
      contentHash: fc.stringMatching(/^[0-9a-f]{64}$/),
      fields: fc.record(
        {
          title: fc.tuple(word, piece.map(edit)).map(([w, s]) => w + s),
          company: fc.tuple(word, text).map(([w, s]) => w + s),
          description: text,
          locations: fc.array(text, { maxLength: 60 }),
          remote: fc.boolean(),
          employmentType: fc.array(fc.oneof(piece, fc.constantFrom("FULL_TIME", "part-time", "Contract"))),
          datePosted: dateText,
          validThrough: dateText,
          requisitionId: text,
          salary: fc.record(
            { min: fc.double(), max: fc.double(), currency: fc.oneof(piece, fc.constantFrom("USD", "EUR")), unit: piece, text: text },
            { requiredKeys: [] }
          )
        },
        { requiredKeys: [] }
      ),
      payload: fc.jsonValue({ maxDepth: 2 }),
      attribution: fc.record({ text: piece, url: fc.webUrl() })
    },
    { requiredKeys: ["source", "sourceType", "externalId", "url", "fetchedAt", "contentHash", "fields", "payload"] }
  )
  // Only what the jobs.raw decoder lets through reaches normalization.
  .filter(Schema.is(RawPosting))
}

const rawPosting = rawPostingOf((s) => s, fc.constantFrom("", "Data Scientist ", "Ingénieure ", "数据 ", "Acme"))

/**
 * Postings without `<` and `&`. Plain text and HTML differ in what those mean ("&lt;p&gt;" in HTML is the text
 * "<p>", which read again as HTML is a tag); text without them reads the same either way, so that is where
 * normalizing a normalized job again must change nothing. Titles and companies start with a word, so most
 * postings normalize.
 */
const plainPosting = rawPostingOf(
  (s) => s.replace(/[<&]/g, ""),
  fc.constantFrom("Data Scientist ", "Ingénieure ", "数据 ", "Acme")
)

const storable = Schema.is(Text)

/** Every string anywhere in a value. */
const stringsOf = (value: unknown): Array<string> =>
  typeof value === "string"
    ? [value]
    : typeof value === "object" && value !== null
      ? Object.values(value).flatMap(stringsOf)
      : []

/**
 * The job as a connector would emit it: the normalized text fed back in as raw fields. The ids stay the
 * connector's (the job id is derived from them as sent).
 */
const asRaw = (job: Job, raw: RawPosting): RawPosting => ({
  ...raw,
  url: job.url,
  fields: {
    title: job.title,
    company: job.company,
    description: job.description,
    locations: job.locations,
    remote: job.remote,
    employmentType: job.employmentType === null ? [] : [job.employmentType],
    ...(job.postedAt === null ? {} : { datePosted: job.postedAt }),
    ...(job.validThrough === null ? {} : { validThrough: job.validThrough }),
    ...(job.requisitionId === null ? {} : { requisitionId: job.requisitionId }),
    ...(job.salary === null
      ? {}
      : {
          salary: {
            ...(job.salary.min === null ? {} : { min: job.salary.min }),
            ...(job.salary.max === null ? {} : { max: job.salary.max }),
            currency: job.salary.currency,
            unit: job.salary.period
          }
        })
  },
  ...(job.attribution === undefined ? {} : { attribution: job.attribution })
})

describe("normalizePosting, over generated raw postings", () => {
  it("never throws, and gives a valid Job whose every string PostgreSQL can store, or a NormalizeError", () => {
    fc.assert(
      fc.property(rawPosting, (raw) => {
        const result = normalizePosting(raw, NOW)
        if (Either.isLeft(result)) expect(result.left._tag).toBe("NormalizeError")
        else {
          expect(Schema.is(Job)(result.right)).toBe(true)
          expect(stringsOf(result.right).filter((s) => !storable(s))).toEqual([])
        }
      }),
      { seed, numRuns: 400 }
    )
  })

  it("is idempotent: the job it made, fed back as a raw posting, comes out the same (text without < or &)", () => {
    fc.assert(
      fc.property(plainPosting, (raw) => {
        const first = normalizePosting(raw, NOW)
        if (Either.isLeft(first)) return
        const again = normalizePosting(asRaw(first.right, raw), NOW)
        expect(again).toEqual(Either.right(first.right))
      }),
      { seed, numRuns: 400 }
    )
  })
})

describe("the text functions, over generated text", () => {
  it.each([
    ["cleanText", cleanText],
    ["htmlToText", htmlToText],
    ["cleanLocations", (s: string) => cleanLocations(s.split(/[|]/)).join("|")]
  ] as const)("%s never throws, writes only storable text and is idempotent", (_name, f) => {
    fc.assert(
      fc.property(text, (input) => {
        const once = f(input)
        expect(storable(once)).toBe(true)
        fc.pre(!/[<&]/.test(once))
        expect(f(once)).toBe(once)
      }),
      { seed, numRuns: 300 }
    )
  })
})

describe("the normalize stage, over arbitrary messages", () => {
  const received = (value: Buffer): Received => ({
    topic: Topics.raw.name,
    partition: 0,
    offset: 0,
    key: null,
    value,
    headers: { [Headers.schemaName]: Topics.raw.schemaName },
    timestamp: undefined
  })
  const message = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue().map((json) => Buffer.from(JSON.stringify(json) ?? "")),
    rawPosting.map((raw) => Buffer.from(JSON.stringify(Schema.encodeSync(RawPosting)(raw))))
  )

  it("never throws: every message becomes a normalized job or a dead letter", () => {
    fc.assert(
      fc.property(message, (value) => {
        const out = normalizeRecord(received(value), NOW)
        expect([Topics.normalized.name, "jobs.dlq"]).toContain(out.topic)
      }),
      { seed, numRuns: 300 }
    )
  })
})
