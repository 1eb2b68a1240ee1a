import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import type { FastifyInstance, FastifyReply } from "fastify"

const webDir = join(import.meta.dirname, "..", "dashboards", "web")
// The UMD build is self-contained (its colour helper bundled in), so the page needs no import map.
const chartJs = join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js")

/** The page's ES modules: `app.js` wires the page and imports the others. */
const modules = [
  "app.js",
  "api.js",
  "charts.js",
  "columns.js",
  "desk.js",
  "deskKpis.js",
  "deskTask.js",
  "dom.js",
  "filters.js",
  "format.js",
  "opsDesk.js",
  "panels.js",
  "state.js",
  "tables.js",
  "views.js"
]

/** Every file the dashboard serves, by URL: a closed list, so no request path ever reaches the file system. */
const assets: Record<string, { readonly file: string; readonly type: string }> = {
  "/dashboard": { file: join(webDir, "index.html"), type: "text/html; charset=utf-8" },
  "/dashboard/": { file: join(webDir, "index.html"), type: "text/html; charset=utf-8" },
  // The reviewers' desk: its own page, over the same modules and stylesheet.
  "/desk": { file: join(webDir, "desk.html"), type: "text/html; charset=utf-8" },
  // A browser runs a module only when it comes as JavaScript.
  ...Object.fromEntries(
    modules.map((name) => [`/dashboard/${name}`, { file: join(webDir, name), type: "text/javascript; charset=utf-8" }])
  ),
  "/dashboard/style.css": { file: join(webDir, "style.css"), type: "text/css; charset=utf-8" },
  "/dashboard/vendor/chart.umd.min.js": { file: chartJs, type: "text/javascript; charset=utf-8" }
}

/**
 * Everything the page loads comes from this process: its own files and the chart library out of node_modules,
 * never a CDN. The policy says so to the browser too, and keeps the page out of frames.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

/**
 * The operations dashboard at `/dashboard`: static files only. The page reads the data through the same API
 * as everyone else (`/kpis` and `/reviews/pending` with a staff key, `/healthz`, `/desk/ops/ws`, a seeker's
 * applications with that seeker's key).
 */
export const dashboardRoutes = (app: FastifyInstance) => {
  // Files are read once, on first request; a process serves the page it was deployed with.
  const cache = new Map<string, Promise<Buffer>>()
  const load = (file: string) => {
    let body = cache.get(file)
    if (body === undefined) {
      body = readFile(file)
      body.catch(() => cache.delete(file))
      cache.set(file, body)
    }
    return body
  }
  const send = async (url: string, reply: FastifyReply) => {
    const asset = assets[url]!
    return reply
      .header("content-type", asset.type)
      .header("cache-control", "no-cache")
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", contentSecurityPolicy)
      .header("referrer-policy", "no-referrer")
      .send(await load(asset.file))
  }
  for (const url of Object.keys(assets)) app.get(url, { config: { access: "public" } }, (_request, reply) => send(url, reply))
}
