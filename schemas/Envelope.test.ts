import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { deadLetter, decode, DlqHeaders, encode, Headers, Topics, type Received } from "./Envelope.js"
import type { RawPosting } from "./RawPosting.js"

const posting: RawPosting = {
  source: "demo-careers",
  sourceType: "jsonld",
  externalId: "DS-1",
  url: "https://careers.example.org/jobs/ds-1",
  fetchedAt: "2026-11-25T12:00:00.000Z",
  contentHash: "a".repeat(64),
  fields: { title: "Data Scientist", company: "Acme" },
  payload: { "@type": "JobPosting", title: "Data Scientist" }
}

const received = (value: Buffer | string, headers: Record<string, string> = {}): Received => ({
  topic: Topics.raw.name,
  partition: 2,
  offset: 41,
  key: "demo-careers:DS-1",
  value: Buffer.from(value),
  headers
})

describe("the Kafka envelope", () => {
  it("keys raw postings by source and external id and says what the message is in headers", () => {
    const message = encode(Topics.raw, posting, new Date("2026-11-25T12:00:01Z"))
    expect(message.key).toBe("demo-careers:DS-1")
    expect(message.headers).toMatchObject({
      [Headers.contentType]: "application/json",
      [Headers.schemaName]: "jobstream.RawPosting",
      [Headers.schemaVersion]: "1",
      [Headers.producedAt]: "2026-11-25T12:00:01.000Z"
    })
    expect(message.headers[Headers.eventId]).toMatch(/^[0-9a-f]{32}$/)
  })

  it("gives a replay the same event id, and changed content a new one", () => {
    const a = encode(Topics.raw, posting).headers[Headers.eventId]
    expect(encode(Topics.raw, posting, new Date(0)).headers[Headers.eventId]).toBe(a)
    expect(encode(Topics.raw, { ...posting, contentHash: "b".repeat(64) }).headers[Headers.eventId]).not.toBe(a)
  })

  it("decodes what it encodes", () => {
    const message = encode(Topics.raw, posting)
    expect(decode(Topics.raw, { ...received(message.value), headers: message.headers })).toEqual(Either.right(posting))
  })

  it.each([
    ["not JSON", received("{nope"), /not JSON/],
    ["another schema", received("{}", { [Headers.schemaName]: "jobstream.Job" }), /schema jobstream.Job/],
    ["a newer version", received("{}", { [Headers.schemaVersion]: "2" }), /newer/],
    ["a missing field", received(JSON.stringify({ ...posting, url: undefined })), /url/]
  ])("refuses %s with a reason", (_, message, reason) => {
    const result = decode(Topics.raw, message)
    expect(Either.isLeft(result) && result.left.reason).toMatch(reason)
  })

  it("dead-letters the original bytes and headers, adding where and why", () => {
    const original = received("\u0000\u00ffbinary", { [Headers.eventId]: "e1" })
    const letter = deadLetter("normalize", "DecodeError: not JSON", original, new Date("2026-11-25T00:00:00Z"))
    expect(letter.topic).toBe("jobs.dlq")
    expect(letter.value.equals(original.value)).toBe(true)
    expect(letter.key).toBe(original.key)
    expect(letter.headers).toMatchObject({
      [Headers.eventId]: "e1",
      [DlqHeaders.stage]: "normalize",
      [DlqHeaders.reason]: "DecodeError: not JSON",
      [DlqHeaders.sourceTopic]: "jobs.raw",
      [DlqHeaders.sourcePartition]: "2",
      [DlqHeaders.sourceOffset]: "41"
    })
  })
})
