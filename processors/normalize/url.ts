const TRACKING_PARAMS = new Set([
  "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
  "li_fat_id", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking", "mkt_tok",
  "ref", "referrer", "referer", "ref_src", "source", "src", "gh_src", "lever-source", "lever-origin", "trk",
  "trkinfo", "trackingid", "refid", "lipi", "_ga", "_gl", "s_kwcid", "ef_id", "oly_anon_id", "oly_enc_id",
  "vero_id", "wickedid", "rb_clickid", "spm", "icid", "sc_cid", "originalsubdomain"
])

const isTrackingParam = (name: string): boolean => {
  const key = name.toLowerCase().replace(/\[\]$/, "")
  return key.startsWith("utm_") || TRACKING_PARAMS.has(key)
}

/**
 * The URL used as an identity: scheme and host lower-cased, a leading `www.` dropped (career sites serve both
 * and the dedup key must not split on it), default port, credentials, trailing slash and fragment dropped,
 * tracking parameters (utm_*, gclid, fbclid, gh_src, lever-source, trk, ...) removed and the rest sorted.
 * Identifying parameters such as Greenhouse's `gh_jid` stay. A `#/...` or `#!...` fragment is a single-page
 * app's route and stays, since dropping it would merge every posting of such a site into one URL.
 * The scheme is kept as it is. Null when `url` is not an absolute http(s) URL.
 */
export const canonicalUrl = (url: string): string | null => {
  if (typeof url !== "string" || url.length > 4096) return null
  let u: URL
  try {
    u = new URL(url.trim())
  } catch {
    return null
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hostname === "") return null
  let host = u.hostname.replace(/\.$/, "")
  if (/^www\.[^.]+\.[^.]+/.test(host)) host = host.slice(4)
  const port = u.port === "" ? "" : `:${u.port}`
  const path = u.pathname.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase()).replace(/\/+$/, "")
  const params = [...u.searchParams].filter(([name]) => !isTrackingParam(name))
  params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  const query = params.length > 0 ? `?${new URLSearchParams(params).toString()}` : ""
  const hash = /^#!|^#\//.test(u.hash) ? u.hash : ""
  return `${u.protocol}//${host}${port}${path}${query}${hash}`
}
