/* global document */
// DOM helpers: every value reaches the page as text, never as HTML (job titles and companies come from
// crawled sites).

export const $ = (selector, root = document) => root.querySelector(selector)

/** Builds an element; children that are null are skipped, strings become text nodes (never HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, v)
  for (const child of children) if (child !== null && child !== undefined && child !== "") el.append(child)
  return el
}
