import { describe, expect, it } from "vitest"
import { canonicalUrl } from "./url.js"

describe("canonicalUrl", () => {
  it.each([
    ["HTTPS://WWW.Example.COM:443/Jobs/123/?utm_source=x&b=2&a=1#apply", "https://example.com/Jobs/123?a=1&b=2"],
    ["http://example.com:80/", "http://example.com"],
    ["https://example.com:8443/x/", "https://example.com:8443/x"],
    ["https://user:secret@example.com/x", "https://example.com/x"],
    // SimplifyJobs URLs: identifying parameters stay, sorted.
    ["https://boards.greenhouse.io/embed/job_app?for=gemini&token=5905734&gh_jid=5905734", "https://boards.greenhouse.io/embed/job_app?for=gemini&gh_jid=5905734&token=5905734"],
    ["https://www.wayfair.com/careers/jobs/7471733002?gh_jid=7471733002&gh_src=abc123", "https://wayfair.com/careers/jobs/7471733002?gh_jid=7471733002"],
    ["https://jobs.lever.co/weride/a102c558-c365-48cf-b1ae-766037509e5c/apply?lever-source%5B%5D=LinkedIn&lever-origin=applied", "https://jobs.lever.co/weride/a102c558-c365-48cf-b1ae-766037509e5c/apply"],
    ["https://www.linkedin.com/jobs/view/3912345678/?refId=abc&trackingId=xyz%3D%3D&trk=public_jobs", "https://linkedin.com/jobs/view/3912345678"],
    ["https://x.com/j?gclid=1&fbclid=2&msclkid=3&mc_cid=4&mc_eid=5&_hsenc=6&_hsmi=7&ref=8&referrer=9&source=10&src=11&UTM_Campaign=12&id=7", "https://x.com/j?id=7"],
    ["https://jobs.jobvite.com/splunk-careers/job/oeTxsfwQ?nl=1&nl=1&fr=false", "https://jobs.jobvite.com/splunk-careers/job/oeTxsfwQ?fr=false&nl=1&nl=1"],
    ["https://x.com/a%2fb", "https://x.com/a%2Fb"],
    ["https://www.com/x", "https://www.com/x"],
    ["https://example.com./x", "https://example.com/x"]
  ])("%s -> %s", (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected)
    expect(canonicalUrl(expected)).toBe(expected)
  })

  it("keeps a single-page app's route in the fragment", () => {
    expect(canonicalUrl("https://careers.example.com/#/jobs/123?utm_source=x")).toBe("https://careers.example.com#/jobs/123?utm_source=x")
    expect(canonicalUrl("https://careers.example.com/#!/job/5")).toBe("https://careers.example.com#!/job/5")
  })

  it("keeps the scheme as it is", () => {
    expect(canonicalUrl("http://example.com/x")).not.toBe(canonicalUrl("https://example.com/x"))
  })

  it.each(["", "not a url", "/relative/path", "ftp://example.com/x", "javascript:alert(1)", "mailto:jobs@example.com", `https://x.com/${"a".repeat(5000)}`])(
    "gives null for %j",
    (input) => {
      expect(canonicalUrl(input)).toBeNull()
    }
  )
})
