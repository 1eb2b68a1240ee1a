import { Effect, Either } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { findSource, loadSources, parseSources, type SourceConfig, sourceTypes, SourcesError } from "./sources.js"

const EXAMPLE = fileURLToPath(new URL("./sources.example.yaml", import.meta.url))
const EXAMPLE_ENV = {
  JOBSTREAM_ADZUNA_APP_ID: "adzuna-id",
  JOBSTREAM_ADZUNA_APP_KEY: "adzuna-key",
  JOBSTREAM_USAJOBS_EMAIL: "me@example.com",
  JOBSTREAM_USAJOBS_API_KEY: "usajobs-key"
}
const MINUTE = 60_000
const HOUR = 60 * MINUTE

const parse = (text: string, env: Record<string, string | undefined> = {}): ReadonlyArray<SourceConfig> =>
  Either.getOrThrowWith(parseSources(text, "sources.yaml", env), (error) => new Error(error.message))

const failure = (text: string, env: Record<string, string | undefined> = {}): SourcesError =>
  Either.getOrThrowWith(Either.flip(parseSources(text, "sources.yaml", env)), () => new Error("parsed"))

/** `[line, message]` of every problem, in order. */
const problems = (text: string, env: Record<string, string | undefined> = {}) =>
  failure(text, env).problems.map((p) => [p.line, p.message] as const)

const lines = (...rows: ReadonlyArray<string>) => rows.join("\n") + "\n"
/** A file of one source named `a` (line 2), whose other keys start at line 3. */
const source = (...keys: ReadonlyArray<string>) => lines("sources:", "  - name: a", ...keys.map((key) => `    ${key}`))

describe("parseSources: valid files", () => {
  it("takes the employer's name for boards whose API names none", () => {
    const [lever] = parse(source("type: lever", "board: palantir", "company: Palantir Technologies"))
    expect(lever).toMatchObject({ board: "palantir", company: "Palantir Technologies" })
  })

  it("reads one source of every type, with its keys and the defaults", () => {
    const text = lines(
      "sources:",
      "  - { name: gh, type: greenhouse, board: acme, baseUrl: 'http://127.0.0.1:8788/replay/greenhouse' }",
      "  - { name: lv, type: lever, board: acme }",
      "  - { name: ab, type: ashby, board: acme }",
      "  - { name: sr, type: smartrecruiters, board: Acme }",
      "  - { name: rc, type: recruitee, board: acme }",
      "  - { name: wk, type: workable, board: acme }",
      "  - { name: rok, type: remoteok }",
      "  - { name: wwr, type: weworkremotely, board: remote-programming-jobs }",
      "  - { name: hn, type: hackernews, query: rust, board: '42575537' }",
      "  - name: adz",
      "    type: adzuna",
      "    board: gb",
      "    query: data engineer",
      "    credentials: { appId: '${ID}', appKey: '${KEY}' }",
      "  - name: usa",
      "    type: usajobs",
      "    credentials: { email: '${MAIL}', apiKey: '${KEY}' }",
      "  - name: careers.example",
      "    type: jsonld",
      "    urls: [https://example.com/careers]",
      "    sitemap: https://example.com/sitemap.xml",
      "    follow: ['https://example.com/careers/**']",
      "    render: true",
      "    enabled: false"
    )
    const sources = parse(text, { ID: "the-id", KEY: "the-key", MAIL: "me@example.com" })
    expect(sources.map((s) => s.type)).toEqual(sourceTypes)
    const common = { intervalMs: 6 * HOUR, credentials: {}, urls: [], follow: [], render: false, enabled: true }
    expect(sources[0]).toEqual({
      ...common,
      name: "gh",
      type: "greenhouse",
      board: "acme",
      baseUrl: "http://127.0.0.1:8788/replay/greenhouse",
      rateLimit: { perMinute: 60 }
    })
    expect(sources[6]).toEqual({ ...common, name: "rok", type: "remoteok", rateLimit: { perMinute: 60 } })
    expect(sources[8]).toEqual({
      ...common,
      name: "hn",
      type: "hackernews",
      board: "42575537",
      query: "rust",
      rateLimit: { perMinute: 100 }
    })
    expect(sources[9]).toEqual({
      ...common,
      name: "adz",
      type: "adzuna",
      board: "gb",
      query: "data engineer",
      rateLimit: { perMinute: 25, perDay: 250 },
      credentials: { appId: "the-id", appKey: "the-key" }
    })
    expect(sources[10]!.credentials).toEqual({ email: "me@example.com", apiKey: "the-key" })
    expect(sources[11]).toEqual({
      ...common,
      name: "careers.example",
      type: "jsonld",
      rateLimit: { perMinute: 60 },
      urls: ["https://example.com/careers"],
      sitemap: "https://example.com/sitemap.xml",
      follow: ["https://example.com/careers/**"],
      render: true,
      enabled: false
    })
  })

  it("merges defaults: the source's own value, else the file's defaults, else the type's, else 6h and 60/min", () => {
    const text = lines(
      "sources:",
      "  - { name: a, type: remoteok }",
      "  - { name: b, type: adzuna, board: gb, credentials: { appId: '${I}', appKey: '${K}' } }",
      "  - { name: c, type: hackernews }"
    )
    const env = { I: "i", K: "k" }
    expect(parse(text, env).map((s) => [s.intervalMs, s.rateLimit])).toEqual([
      [6 * HOUR, { perMinute: 60 }],
      [6 * HOUR, { perMinute: 25, perDay: 250 }],
      [6 * HOUR, { perMinute: 100 }]
    ])
    const withDefaults = lines(
      "defaults:",
      "  interval: 2h",
      "  rateLimit: { perMinute: 10 }",
      "sources:",
      "  - { name: a, type: remoteok }",
      "  - { name: b, type: adzuna, board: gb, credentials: { appId: '${I}', appKey: '${K}' } }",
      "  - { name: c, type: hackernews, interval: 45m, rateLimit: { perMinute: 5, perDay: 50 } }"
    )
    expect(parse(withDefaults, env).map((s) => [s.intervalMs, s.rateLimit])).toEqual([
      [2 * HOUR, { perMinute: 10 }],
      [2 * HOUR, { perMinute: 10 }],
      [45 * MINUTE, { perMinute: 5, perDay: 50 }]
    ])
  })

  it.each([
    ["90s", 90_000],
    ["1m", MINUTE],
    ["30m", 30 * MINUTE],
    ["6h", 6 * HOUR],
    ["1d", 24 * HOUR],
    ["7d", 7 * 24 * HOUR]
  ])("reads the interval %s", (interval, ms) => {
    expect(parse(lines("sources:", `  - { name: a, type: remoteok, interval: ${interval} }`))[0]!.intervalMs).toBe(ms)
  })

  it.each(["59s", "8d", "0m", "1.5h", "6 h", "6H", "90", "-1h", "1h30m"])("refuses the interval %s", (interval) => {
    expect(problems(lines("sources:", `  - { name: a, type: remoteok, interval: "${interval}" }`))).toEqual([
      [2, `interval: expected a duration like 90s, 30m, 6h or 1d, from 1m to 7d, got "${interval}"`]
    ])
  })

  it("replaces ${VAR} in any string value, several in one value, before the value is checked", () => {
    const [source] = parse(
      lines(
        "sources:",
        "  - name: ${PREFIX}-acme",
        "    type: ${TYPE}",
        "    board: acme",
        "    baseUrl: http://${HOST}:${PORT}/replay/greenhouse",
        "    interval: ${EVERY}"
      ),
      { PREFIX: "gh", TYPE: "greenhouse", HOST: "127.0.0.1", PORT: "8788", EVERY: "15m" }
    )
    expect(source).toMatchObject({
      name: "gh-acme",
      type: "greenhouse",
      baseUrl: "http://127.0.0.1:8788/replay/greenhouse",
      intervalMs: 15 * MINUTE
    })
  })

  it("loads the example file of real boards, every source enabled but the browser-rendered one", async () => {
    const sources = await Effect.runPromise(loadSources(EXAMPLE, EXAMPLE_ENV))
    expect(sources.map((s) => s.name)).toEqual([
      "greenhouse-airbnb",
      "greenhouse-stripe",
      "lever-palantir",
      "ashby-ramp",
      "smartrecruiters-visa",
      "remoteok",
      "weworkremotely",
      "hn-who-is-hiring",
      "adzuna-gb-data",
      "usajobs-data",
      "nvidia-careers"
    ])
    expect(sources.filter((s) => !s.enabled).map((s) => s.name)).toEqual(["nvidia-careers"])
    expect(findSource(sources, "adzuna-gb-data").pipe(Either.getOrThrow)).toMatchObject({
      credentials: { appId: "adzuna-id", appKey: "adzuna-key" },
      rateLimit: { perMinute: 25, perDay: 250 }
    })
  })

  it("fails on the example file without its environment, naming each variable at its line", async () => {
    const error = await Effect.runPromise(Effect.flip(loadSources(EXAMPLE, {})))
    expect(error.problems.map((p) => p.message)).toEqual([
      "credentials.appId: environment variable JOBSTREAM_ADZUNA_APP_ID is not set",
      "credentials.appKey: environment variable JOBSTREAM_ADZUNA_APP_KEY is not set",
      "credentials.email: environment variable JOBSTREAM_USAJOBS_EMAIL is not set",
      "credentials.apiKey: environment variable JOBSTREAM_USAJOBS_API_KEY is not set"
    ])
    expect(error.message.split("\n")[0]).toMatch(/^.*sources\.example\.yaml:\d+:\d+: credentials\.appId: /)
  })
})

describe("parseSources: problems, each at its line", () => {
  it.each<[string, string, number, string | RegExp]>([
    ["a YAML syntax error", source("type: remoteok: x", "board: b"), 3, /^Nested mappings/],
    ["a tab as indentation (YAML)", source("\ttype: remoteok"), 3, /^Tabs are not allowed/],
    ["duplicate keys (YAML)", source("type: remoteok", "name: b"), 4, /^Map keys must be unique/],
    ["an unknown key in a source", source("type: remoteok", "colour: red"), 4, "colour: unknown key"],
    ["an unknown top-level key", lines("source: []", "sources: []"), 1, "source: unknown key"],
    ["an unknown key in defaults", lines("defaults:", "  every: 6h", "sources: []"), 2, "defaults.every: unknown key"],
    ["a wrong type", source("type: remoteok", "enabled: yes"), 4, 'enabled: expected true or false, got "yes"'],
    ["a list for a mapping", source("type: remoteok", "rateLimit: [60]"), 4, "rateLimit: expected a mapping, got a list"],
    ["a fractional rate", source("type: remoteok", "rateLimit: { perMinute: 1.5 }"), 4,
      "rateLimit.perMinute: expected a positive integer, got 1.5"],
    ["an empty value", source("type: greenhouse", "board:"), 4, "board: expected a string, got nothing"],
    ["a missing name, at the source entry", lines("sources:", "  - name: a", "    type: remoteok", "  - type: remoteok"), 4,
      "name: required"],
    ["a missing board, at the source entry", lines("sources:", "", "  - name: a", "    type: lever"), 3,
      "board: required for lever sources"],
    ["a missing sources list", lines("# nothing", "defaults: { interval: 1h }"), 2, "sources: required"],
    ["an unknown source type", source("type: linkedin"), 3,
      /^type: unknown source type "linkedin"; expected one of: greenhouse, lever, /],
    ["a bad source name", lines("sources:", "  - name: Acme Jobs", "    type: remoteok"), 2,
      /^name: "Acme Jobs" is not a source name/],
    ["a bad URL", source("type: greenhouse", "board: a", "baseUrl: ftp://example.com"), 5,
      'baseUrl: expected an http(s) URL, got "ftp://example.com"'],
    ["a bad URL in a list", source("type: jsonld", "urls:", "  - https://example.com", "  - example.com/jobs"), 6,
      'urls[1]: expected an http(s) URL, got "example.com/jobs"'],
    ["a bad interval", source("type: remoteok", "interval: 6 hours"), 4, /^interval: expected a duration like 90s/],
    ["a bad default interval", lines("defaults:", "  interval: 30s", "sources: []"), 2,
      /^defaults\.interval: expected a duration/],
    ["an unset variable", source("type: hackernews", "query: ${TERMS}"), 4, "query: environment variable TERMS is not set"],
    ["an empty variable", source("type: hackernews", "query: ${EMPTY}"), 4, "query: environment variable EMPTY is empty"],
    ["a key of another type", source("type: greenhouse", "board: a", "urls: [https://example.com]"), 5,
      "urls: greenhouse sources take no urls (only jsonld)"],
    ["a query on a feed", source("type: weworkremotely", "query: devops"), 4,
      "query: weworkremotely sources take no query (only adzuna, usajobs, hackernews)"],
    ["a company on a board whose API names it", source("type: greenhouse", "board: a", "company: Acme"), 5,
      "company: greenhouse sources take no company (only lever, ashby, workable)"],
    ["credentials on a type that takes none", source("type: remoteok", "credentials: { token: '${T}' }"), 4,
      /^credentials: remoteok sources take no credentials/],
    ["missing credentials", source("type: usajobs"), 2, "credentials: required for usajobs sources: email, apiKey"],
    ["a missing credential, at the credentials", source("type: adzuna", "board: gb", "credentials:", "  appId: ${I}"), 6,
      "credentials.appKey: required for adzuna sources"],
    ["an unknown credential", source("type: usajobs", "credentials:", "  email: ${I}", "  apiKey: ${I}", "  userAgent: ${I}"),
      7, "credentials.userAgent: unknown; usajobs takes email, apiKey"],
    ["a jsonld source with no start", source("type: jsonld", "render: true"), 2,
      "urls: required for jsonld sources unless a sitemap is given"],
    ["a duplicate name", lines("sources:", "  - { name: a, type: remoteok }", "  - { name: b, type: remoteok }",
      "  - { name: a, type: hackernews }"), 4, 'name: "a" is already used at line 2'],
    ["an empty file", "", 1, "expected a mapping, got nothing"]
  ])("reports %s at the right line", (_, text, line, message) => {
    const found = problems(text, { I: "i", T: "t", EMPTY: "" })
    expect(found).toHaveLength(1)
    expect(found[0]![0]).toBe(line)
    expect(found[0]![1]).toMatch(typeof message === "string" ? new RegExp(`^${escape(message)}$`) : message)
  })

  it("reports every problem at once, in file order, as file:line:column: message", () => {
    const text = lines(
      "defaults:",
      "  interval: 6x",
      "sources:",
      "  - name: greenhouse-acme",
      "    type: greenhouse",
      "    board: acme",
      "  - name: adzuna",
      "    type: adzuna",
      "    board: gb",
      "    credentials: { appId: 'abc123', appKey: '${ADZUNA_KEY}' }",
      "  - name: greenhouse-acme",
      "    type: greenhous",
      "  - name: feed",
      "    type: remoteok",
      "    rateLimit: { perMinute: 0 }"
    )
    expect(failure(text).message).toBe(
      lines(
        "sources.yaml:2:13: defaults.interval: expected a duration like 90s, 30m, 6h or 1d, from 1m to 7d, got \"6x\"",
        "sources.yaml:10:27: credentials.appId: must be a ${VAR} reference to an environment variable: a literal secret in the file is an error",
        "sources.yaml:10:45: credentials.appKey: environment variable ADZUNA_KEY is not set",
        "sources.yaml:11:11: name: \"greenhouse-acme\" is already used at line 4",
        `sources.yaml:12:11: type: unknown source type "greenhous"; expected one of: ${sourceTypes.join(", ")}`,
        "sources.yaml:15:29: rateLimit.perMinute: expected a positive integer, got 0"
      ).trimEnd()
    )
  })

  it("never repeats a literal credential in its messages", () => {
    const error = failure(
      lines("sources:", "  - name: a", "    type: usajobs", "    credentials: { email: me@example.com, apiKey: s3cr3t-k3y }")
    )
    expect(error.problems.map((p) => [p.line, p.message])).toEqual([
      [4, "credentials.email: must be a ${VAR} reference to an environment variable: a literal secret in the file is an error"],
      [4, "credentials.apiKey: must be a ${VAR} reference to an environment variable: a literal secret in the file is an error"]
    ])
    expect(error.message).not.toMatch(/s3cr3t|me@example/)
  })
})

describe("loadSources", () => {
  it("fails clearly on a file that is not there", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sources-")), "missing.yaml")
    const error = await Effect.runPromise(Effect.flip(loadSources(path, {})))
    expect(error).toBeInstanceOf(SourcesError)
    expect(error.message).toBe(`${path}: file not found`)
  })

  it("reads a file and names it in its problems", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sources-")), "sources.yaml")
    writeFileSync(path, lines("sources:", "  - { name: a, type: remoteok }", "  - { name: b, type: nope }"))
    const error = await Effect.runPromise(Effect.flip(loadSources(path, {})))
    expect(error.message).toMatch(new RegExp(`^${escape(path)}:3:22: type: unknown source type "nope"`))
    writeFileSync(path, lines("sources:", "  - { name: a, type: remoteok }"))
    expect((await Effect.runPromise(loadSources(path, {}))).map((s) => s.name)).toEqual(["a"])
  })
})

describe("findSource", () => {
  const sources = parse(lines("sources:", "  - { name: a, type: remoteok }", "  - { name: b, type: hackernews }"))

  it("finds a source by name", () => {
    expect(findSource(sources, "b").pipe(Either.map((s) => s.type))).toEqual(Either.right("hackernews"))
  })

  it("fails with a message that lists the known names", () => {
    const error = Either.getOrThrowWith(Either.flip(findSource(sources, "c")), () => new Error("found"))
    expect(error.message).toBe('no source named "c"; the sources file defines: a, b')
    expect(Either.flip(findSource([], "c")).pipe(Either.map((e) => e.message))).toEqual(
      Either.right('no source named "c"; it defines none')
    )
  })
})

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
