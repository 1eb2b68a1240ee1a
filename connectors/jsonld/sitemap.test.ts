import { describe, expect, it } from "vitest"
import { readSitemap } from "./sitemap.js"

const at = "https://careers.example.com/sitemaps/jobs.xml"
const ns = `xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"`

describe("readSitemap", () => {
  it("lists the pages of a urlset, resolved, trimmed and once each", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
      <urlset ${ns}>
        <url><loc> https://careers.example.com/jobs/1 </loc><lastmod>2024-06-03</lastmod></url>
        <url><loc>/jobs/2?ref=sitemap&amp;lang=en</loc></url>
        <url><loc>https://careers.example.com/jobs/1</loc></url>
      </urlset>`
    expect(readSitemap(xml, at)).toEqual({
      pages: ["https://careers.example.com/jobs/1", "https://careers.example.com/jobs/2?ref=sitemap&lang=en"],
      sitemaps: []
    })
  })

  it("lists the sitemaps of a sitemap index", () => {
    const xml = `<sitemapindex ${ns}><sitemap><loc>https://careers.example.com/a.xml</loc></sitemap><sitemap><loc>b.xml</loc></sitemap></sitemapindex>`
    expect(readSitemap(xml, at)).toEqual({
      pages: [],
      sitemaps: ["https://careers.example.com/a.xml", "https://careers.example.com/sitemaps/b.xml"]
    })
  })

  it("leaves out what the sitemap may not speak for: other hosts, other schemes, empty locations", () => {
    const xml = `<urlset ${ns}>
      <url><loc>https://other.example.com/jobs/1</loc></url>
      <url><loc>http://careers.example.com/jobs/2</loc></url>
      <url><loc>javascript:alert(1)</loc></url>
      <url><loc> </loc></url>
      <url><loc>https://careers.example.com/jobs/3</loc></url>
    </urlset>`
    expect(readSitemap(xml, at)).toEqual({ pages: ["https://careers.example.com/jobs/3"], sitemaps: [] })
  })

  it("refuses a document that is not a sitemap, naming what it is", () => {
    expect(readSitemap("<!doctype html><html><body>Not found</body></html>", at)).toEqual({
      pages: [],
      sitemaps: [],
      error: "not a sitemap: the root element is <html>, not <urlset> or <sitemapindex>"
    })
    expect(readSitemap("", at).error).toBe("not a sitemap: no root element, not <urlset> or <sitemapindex>")
    expect(readSitemap("https://careers.example.com/jobs/1\n", at).error).toMatch(/^not a sitemap: no root element/)
  })
})
