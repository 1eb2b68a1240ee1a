// What the page knows between refreshes.

export const state = {
  catalogue: null,
  view: "overview",
  generation: 0,
  refreshes: 0,
  timer: null,
  sources: new Set(),
  charts: new Map(),
  /** The range of the latest refresh, in ms: time series span it. */
  range: null
}
