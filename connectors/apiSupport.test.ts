import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  clip,
  compact,
  decodeBody,
  decodeEntities,
  decodeItems,
  describe as describeValue,
  excerpt,
  httpUrl,
  idHint,
  isoFromEpoch,
  joinUrl,
  parseJson,
  placeOf,
  positiveNumber,
  quote,
  redactErrors,
  redactUrl,
  requireBoard,
  text,
  where
} from "./apiSupport.js"

describe("values", () => {
  it("placeOf: the parts that are there, trimmed and joined; nothing when none is", () => {
    expect(placeOf(" Seattle ", "WA", "United States")).toBe("Seattle, WA, United States")
    expect(placeOf(null, "", "Netherlands", undefined)).toBe("Netherlands")
    expect(placeOf(null, " ", undefined)).toBeUndefined()
  })

  it("text: trimmed non-blank strings and finite numbers, nothing else", () => {
    expect(text("  Data Scientist ")).toBe("Data Scientist")
    expect(text(42)).toBe("42")
    for (const value of ["", "   ", null, undefined, NaN, Infinity, {}, ["a"], true]) expect(text(value)).toBeUndefined()
  })

  it("positiveNumber: numbers and numeric strings above 0", () => {
    expect(positiveNumber(53_000)).toBe(53_000)
    expect(positiveNumber(" 53000.0 ")).toBe(53_000)
    for (const value of [0, -1, "0", "", "competitive", NaN, null, true]) expect(positiveNumber(value)).toBeUndefined()
  })

  it("compact: drops undefined entries only", () => {
    expect(compact({ a: 1, b: undefined, c: null, d: "", e: 0 })).toEqual({ a: 1, c: null, d: "", e: 0 })
    expect(Object.keys(compact({ a: undefined }))).toEqual([])
  })

  it("httpUrl: absolute http(s) URLs only", () => {
    expect(httpUrl(" https://remoteok.com/remote-jobs/1 ")).toBe("https://remoteok.com/remote-jobs/1")
    for (const value of ["/remote-jobs/1", "javascript:alert(1)", "mailto:a@b.c", "not a url", 7]) expect(httpUrl(value)).toBeUndefined()
  })

  it("isoFromEpoch: seconds or milliseconds, and never throws on a time Date cannot hold", () => {
    expect(isoFromEpoch(1_717_405_200, "s")).toBe("2024-06-03T09:00:00.000Z")
    expect(isoFromEpoch("1717405200", "s")).toBe("2024-06-03T09:00:00.000Z")
    expect(isoFromEpoch(1_717_405_200_000, "ms")).toBe("2024-06-03T09:00:00.000Z")
    for (const value of [0, -5, 1e20, "soon", null]) expect(isoFromEpoch(value, "s")).toBeUndefined()
    expect(isoFromEpoch(8.64e15 + 1, "ms")).toBeUndefined()
  })

  it("decodeEntities: one pass, valid code points only, unknown names kept", () => {
    expect(decodeEntities("&lt;b&gt; &#39;x&#39; &bogus; &#x110000;")).toBe("<b> 'x' &bogus; &#x110000;")
    expect(decodeEntities("&amp;lt;p&amp;gt; &#x2F; &QUOT; a&nbsp;b")).toBe('&lt;p&gt; / " a\u00a0b')
  })
})

describe("bodies", () => {
  const List = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })

  it("parseJson: the value, or the parser's reason and the quoted start of the body", () => {
    expect(parseJson('{"a":1}')).toEqual(Either.right({ a: 1 }))
    expect(parseJson(`<html>${"x".repeat(200)}</html>`)).toEqual(
      Either.left(expect.stringMatching(/^the body is not JSON \(.+\); it starts with "<html>x{74}…"$/))
    )
    // V8 quotes a snippet around the error; only the clipped start of the body is shown.
    expect(parseJson("Invalid key 0123456789abcdef")).toEqual(
      Either.left('the body is not JSON (Unexpected token \'I\'); it starts with "Invalid key 0123456789abcdef"')
    )
  })

  it("decodeBody: the value and the JSON as parsed, or what is wrong, naming the expected shape", () => {
    const ok = decodeBody(List, '{"jobs":[1],"meta":{}}', "a job list")
    expect(ok).toEqual(Either.right({ json: { jobs: [1], meta: {} }, value: { jobs: [1] } }))
    expect(decodeBody(List, '{"error":"not found"}', "a job list")).toEqual(
      Either.left('the body is not a job list (jobs: is missing); it starts with "{\\"error\\":\\"not found\\"}"')
    )
    expect(decodeBody(List, "", "a job list")).toEqual(Either.left(expect.stringMatching(/^the body is not JSON/)))
  })

  it("decodeItems: decodes each item alone and reports the others in order, by position and id", () => {
    const Job = Schema.Struct({ id: Schema.String, url: Schema.optional(Schema.String) })
    const items = [{ id: "a", url: "u" }, { id: 7 }, null, { id: "b" }, { id: "hidden", listed: false }, { id: "c", url: "v" }]
    const { decoded, errors } = decodeItems(Job, items, {
      where: "test: https://x",
      noun: "job",
      ignore: (item) => (item as { listed?: boolean } | null)?.listed === false,
      reject: (job) => (job.url === undefined ? "it has no url" : undefined)
    })
    expect(decoded).toEqual([
      { item: items[0], value: { id: "a", url: "u" } },
      { item: items[5], value: { id: "c", url: "v" } }
    ])
    expect(errors).toEqual([
      'test: https://x: job 2 of 6 (id "7") skipped: id: Expected string, actual 7',
      expect.stringMatching(/^test: https:\/\/x: job 3 of 6 skipped: item: Expected \{/),
      'test: https://x: job 4 of 6 (id "b") skipped: it has no url'
    ])
  })

  it("decodeItems: keeps each message and the whole list of issues short", () => {
    const Wide = Schema.Struct(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, Schema.String])))
    const { errors } = decodeItems(Wide, [{ field0: "x".repeat(1000) }], { where: "t", noun: "item", idKey: "shortcode" })
    expect(errors).toHaveLength(1)
    expect(errors[0]!.length).toBeLessThan(450)
    expect(errors[0]).toMatch(/^t: item 1 of 1 skipped: field1: is missing; .*…$/)
  })
})

describe("messages", () => {
  it("clip, excerpt and quote keep 80 characters, folded and marked when cut", () => {
    expect(clip("abcdef", 3)).toBe("abc…")
    expect(clip("abc", 3)).toBe("abc")
    expect(excerpt("  a\n\n  b\t c ")).toBe("a b c")
    expect(excerpt("y".repeat(100))).toBe(`${"y".repeat(80)}…`)
    expect(quote('say "hi"')).toBe('"say \\"hi\\""')
  })

  it("idHint names an item by a present, non-null id field", () => {
    expect(idHint({ id: 42 })).toBe(' (id "42")')
    expect(idHint({ shortcode: "W1" }, "shortcode")).toBe(' (shortcode "W1")')
    for (const item of [{ id: null }, {}, null, "id", 3]) expect(idHint(item)).toBe("")
  })

  it("describe says what a value is", () => {
    expect([null, [], {}, "s", 1, undefined].map(describeValue)).toEqual([
      "null", "an array", "an object", "a string", "a number", "undefined"
    ])
  })
})

describe("configuration and URLs", () => {
  it("joinUrl: one slash between base and path", () => {
    expect(joinUrl("http://127.0.0.1:9999/replay///", "/api")).toBe("http://127.0.0.1:9999/replay/api")
    expect(joinUrl("https://remoteok.com", "api")).toBe("https://remoteok.com/api")
  })

  it("requireBoard: the trimmed board id, or an error naming the source and the setting", () => {
    expect(requireBoard({ source: "gh-acme", board: " acme " }, "greenhouse", "board token")).toBe("acme")
    for (const board of [undefined, "", "   "]) {
      expect(() => requireBoard({ source: "gh-x", board }, "greenhouse", "board token")).toThrow(
        'greenhouse source "gh-x": no board token (set `board`)'
      )
    }
  })
})

describe("redaction", () => {
  const KEY = "0123456789abcdef0123456789abcdef"

  it("redactUrl: every secret parameter, in any case; nothing else", () => {
    const url = `https://api.adzuna.com/v1/api/jobs/gb/search/1?app_id=4f9a1c2e&APP_KEY=${KEY}&what=data&results_per_page=50`
    expect(redactUrl(url)).toBe("https://api.adzuna.com/v1/api/jobs/gb/search/1?app_id=***&APP_KEY=***&what=data&results_per_page=50")
    for (const name of ["api_key", "ApiKey", "key", "token", "access_token", "client_secret"]) {
      expect(redactUrl(`https://x.example/a?q=1&${name}=s3cr3t#top`)).toBe(`https://x.example/a?q=1&${name}=***#top`)
    }
    expect(redactUrl("https://x.example/a?monkey=1&keys=2&key=")).toBe("https://x.example/a?monkey=1&keys=2&key=")
    expect(redactUrl(`GET https://x.example/?token=abc failed; retry "https://x.example/?token=abc"`)).toBe(
      'GET https://x.example/?token=*** failed; retry "https://x.example/?token=***"'
    )
  })

  it("redactErrors: no credential of the board or the request survives in an error, not even cut off", () => {
    const board = { source: "adzuna-gb", credentials: { appId: "4f9a1c2e", appKey: KEY } }
    const request = { url: `https://api.adzuna.com/v1/api/jobs/gb/search/1?app_id=4f9a1c2e&app_key=${KEY}`, label: "search" }
    const posting = { externalId: "1", url: "https://www.adzuna.co.uk/1", fields: {}, payload: { key: KEY } }
    const page = redactErrors(
      {
        postings: [posting],
        next: [request],
        errors: [
          `adzuna: ${request.url}`,
          `adzuna page 1: the API answered AUTH_FAIL: key ${KEY} is not valid for ${encodeURIComponent("4f9a1c2e")}`,
          `adzuna page 1: the body is not JSON; it starts with "${"x".repeat(60)} ${KEY.slice(0, 19)}…"`
        ]
      },
      board,
      request
    )
    expect(page.errors).toEqual([
      "adzuna: https://api.adzuna.com/v1/api/jobs/gb/search/1?app_id=***&app_key=***",
      "adzuna page 1: the API answered AUTH_FAIL: key *** is not valid for ***",
      `adzuna page 1: the body is not JSON; it starts with "${"x".repeat(60)} ***…"`
    ])
    expect(page.postings).toEqual([posting])
    expect(page.next).toEqual([request])
    const clean = { postings: [], next: [], errors: [] }
    expect(redactErrors(clean, board, request)).toBe(clean)
  })

  it("where: names the source and the redacted request URL", () => {
    expect(where("greenhouse", { url: "https://boards-api.greenhouse.io/v1/boards/acme/jobs?token=t0k3n", label: "list" })).toBe(
      "greenhouse: https://boards-api.greenhouse.io/v1/boards/acme/jobs?token=***"
    )
  })
})
