import { Effect } from "effect"
import { crawlApi } from "./ApiCrawler.js"
import { crawlJsonLd } from "./jsonld/main.js"
import type { CrawlProgress } from "./progress.js"
import { sourceApis } from "./registry.js"
import type { SourceConfig } from "./sources.js"

/**
 * Runs one configured source once: career pages through the JSON-LD crawler, every other type through the API
 * crawler with that type's SourceApi. The source's rate limit applies per host either way.
 */
export const crawlSource = (source: SourceConfig, onProgress?: (progress: CrawlProgress) => void) => {
  if (source.type === "jsonld")
    return crawlJsonLd({
      source: source.name,
      startUrls: source.urls,
      follow: source.follow,
      render: source.render,
      maxRequestsPerMinute: source.rateLimit.perMinute,
      ...(source.sitemap === undefined ? {} : { sitemap: source.sitemap }),
      ...(onProgress === undefined ? {} : { onProgress })
    })
  const api = sourceApis.get(source.type)
  if (api === undefined) return Effect.dieMessage(`no connector for source type ${source.type}`)
  return crawlApi({
    api,
    board: {
      source: source.name,
      credentials: source.credentials,
      ...(source.board === undefined ? {} : { board: source.board }),
      ...(source.baseUrl === undefined ? {} : { baseUrl: source.baseUrl }),
      ...(source.query === undefined ? {} : { query: source.query }),
      ...(source.company === undefined ? {} : { company: source.company })
    },
    rate: source.rateLimit,
    ...(onProgress === undefined ? {} : { onProgress })
  })
}
