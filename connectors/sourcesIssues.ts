import type { ParseResult } from "effect"
import { type Document, isMap, isNode, isScalar, isSeq } from "yaml"

// Where in a sources file a problem is, and how it reads: the wording and positions of sources.ts's messages.

/** The value an issue is about, for a message; never the whole of a mapping or a list. */
export const show = (issue: ParseResult.ParseIssue): string => {
  const actual = "actual" in issue ? issue.actual : undefined
  if (Array.isArray(actual)) return "a list"
  if (actual !== null && typeof actual === "object") return "a mapping"
  return actual === undefined || actual === null ? "nothing" : JSON.stringify(actual)
}

/** `path: message`, the path relative to the source entry it is in (`credentials.appId`, `urls[1]`). */
export const describe = (issue: ParseResult.ArrayFormatterIssue): string => {
  const path = issue.path[0] === "sources" && issue.path.length >= 2 ? issue.path.slice(2) : issue.path
  const label = path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
  const message = issue._tag === "Missing" ? "required" : issue._tag === "Unexpected" ? "unknown key" : issue.message
  return label.length > 0 ? `${label.join("")}: ${message}` : message
}

/**
 * Where in the text an issue is: an unknown key at the key, anything else at its value; a path that is not in the
 * document (a missing key) at its nearest ancestor, which for a key of a source is the source entry.
 */
export const offsetOf = (doc: Document, issue: ParseResult.ArrayFormatterIssue): number => {
  const path = [...issue.path]
  const parent: unknown = doc.getIn(path.slice(0, -1), true)
  if (issue._tag === "Unexpected" && isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === path.at(-1))
    if (isNode(pair?.key) && pair.key.range) return pair.key.range[0]
  }
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)
    if (isNode(node) && node.range) return node.range[0]
  }
  return 0
}

/** Each repeated source name, at its value, with the offset of its first use. Compares names as written. */
export const duplicateNames = (doc: Document): ReadonlyArray<{ name: string; offset: number; first: number }> => {
  const sources: unknown = doc.get("sources", true)
  if (!isSeq(sources)) return []
  const first = new Map<string, number>()
  return sources.items.flatMap((item) => {
    const name: unknown = isMap(item) ? item.get("name", true) : undefined
    if (!isScalar(name) || typeof name.value !== "string" || !name.range) return []
    const seen = first.get(name.value)
    if (seen === undefined) first.set(name.value, name.range[0])
    return seen === undefined ? [] : [{ name: name.value, offset: name.range[0], first: seen }]
  })
}
