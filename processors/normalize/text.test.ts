import { describe, expect, it } from "vitest"
import { TECOLOTE_DESCRIPTION } from "./testing.js"
import { htmlToText } from "./text.js"

describe("htmlToText", () => {
  it("keeps the lines and paragraphs of a plain-text description (Glassdoor row 0)", () => {
    expect(htmlToText(TECOLOTE_DESCRIPTION)).toBe(TECOLOTE_DESCRIPTION)
  })

  it("strips a stray tag without flattening the plain text around it (Glassdoor row 133)", () => {
    const text = "<h>The Startup</h2>\n\nLocated in breathtaking downtown Santa Barbara, Briq is altering the landscape.\n\n<h>The Skinny</h2>\n\nBriq is ready."
    expect(htmlToText(text)).toBe(
      "The Startup\n\nLocated in breathtaking downtown Santa Barbara, Briq is altering the landscape.\n\nThe Skinny\n\nBriq is ready."
    )
  })

  it("drops the stray CDATA terminator that 25 Glassdoor descriptions end with", () => {
    expect(htmlToText("Apply at www.caterpillar.com/careers.]]>")).toBe("Apply at www.caterpillar.com/careers.")
    expect(htmlToText("<p>Apply now.</p>\n\n]]&gt;")).toBe("Apply now.")
    expect(htmlToText("<div><![CDATA[Inside CDATA]]></div>")).toBe("Inside CDATA")
  })

  it("fixes the character damage found in the real descriptions", () => {
    // "Â" + no-break space (row 587), soft hyphen (row 474), narrow no-break space (row 178),
    // a Wingdings bullet in the private use area (row 678), a ligature (row 622).
    expect(htmlToText("JOB Duties\n\n\u00c2\u00a0Develop SQL and Python queries")).toBe("JOB Duties\n\nDevelop SQL and Python queries")
    expect(htmlToText("assist with data \u00adrelated technical issues")).toBe("assist with data related technical issues")
    expect(htmlToText("At our\u202fgrowing Indianapolis-based technology")).toBe("At our growing Indianapolis-based technology")
    expect(htmlToText("Minimum requirements\n\uf0a7Master’s degree (PhD preferred)")).toBe("Minimum requirements\n• Master’s degree (PhD preferred)")
    expect(htmlToText("research in \ufb01elds such as sensor science")).toBe("research in fields such as sensor science")
  })

  it("renders paragraphs, headings, line breaks, lists and tables as lines", () => {
    const html =
      "<h2>About us</h2><p>We build <b>data</b> tools.<br>Since 2010.</p>" +
      "<ul><li>Python</li><li>SQL &amp; dbt</li></ul><p>Benefits:</p><ol><li>Health</li></ol>" +
      "<table><tr><td>Level</td><td>Senior</td></tr><tr><td>Team</td><td>Data</td></tr></table>"
    expect(htmlToText(html)).toBe(
      "About us\n\nWe build data tools.\nSince 2010.\n\n• Python\n• SQL & dbt\n\nBenefits:\n\n• Health\n\nLevel Senior\nTeam Data"
    )
  })

  it("collapses source whitespace in HTML but keeps <pre> as written", () => {
    expect(htmlToText("<p>  Many   spaces\n and\tnewlines  </p>\n\n\n<p>next</p>")).toBe("Many spaces and newlines\n\nnext")
    expect(htmlToText("<p>Example:</p><pre>line 1\n  line 2</pre>")).toBe("Example:\n\nline 1\nline 2")
  })

  it("decodes named and numeric entities, and drops scripts, styles and comments", () => {
    expect(htmlToText("<p>We&rsquo;re hiring &ndash; R&amp;D&nbsp;team &#8220;now&#8221; &#x2713; &eacute;</p>")).toBe(
      "We’re hiring – R&D team “now” ✓ é"
    )
    expect(htmlToText("<div>Visible<script>var x = '<p>hidden</p>'</script><style>p { color: red }</style><!-- note --></div>")).toBe("Visible")
    expect(htmlToText("Plain text with entities: AT&amp;T &lt;3 &quot;quoted&quot;")).toBe('Plain text with entities: AT&T <3 "quoted"')
  })

  it("unescapes HTML that a source escaped twice", () => {
    expect(htmlToText("&lt;p&gt;Hello &amp;amp; welcome&lt;/p&gt;&lt;ul&gt;&lt;li&gt;SQL&lt;/li&gt;&lt;li&gt;Spark&lt;/li&gt;&lt;/ul&gt;")).toBe(
      "Hello & welcome\n\n• SQL\n• Spark"
    )
  })

  it("leaves text that only looks like markup alone", () => {
    expect(htmlToText("Join <intent> today")).toBe("Join <intent> today")
    expect(htmlToText("Primary Location: NE > OMAHA > IMMANUEL\nBS with >10 years or a < b")).toBe(
      "Primary Location: NE > OMAHA > IMMANUEL\nBS with >10 years or a < b"
    )
  })

  it("does not double an existing bullet inside a list item", () => {
    expect(htmlToText("<ul><li>• Python</li><li>- SQL</li></ul>")).toBe("• Python\n• SQL")
  })

  it("handles empty, whitespace-only and garbage input", () => {
    expect(htmlToText("")).toBe("")
    expect(htmlToText("   \n\t  ")).toBe("")
    expect(htmlToText("<p> </p><div></div><br><br>")).toBe("")
    expect(htmlToText("<<<>>>&&&;;;</p></div>")).toBe("<<<>>>&&&;;;")
    expect(htmlToText(undefined as unknown as string)).toBe("")
  })

  it("survives huge and deeply nested input", () => {
    const nested = "<div>".repeat(100_000) + "deep" + "</div>".repeat(100_000)
    expect(htmlToText(nested)).toBe("deep")
    const deepList = "<ul>".repeat(5_000) + "<li>a &amp; b</li><li>c<script>x()</script></li>" + "</ul>".repeat(5_000)
    expect(htmlToText(deepList)).toBe("• a & b\n• c")
    const big = "<p>" + "word ".repeat(1_000_000) + "</p>"
    const started = Date.now()
    const text = htmlToText(big)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(text.length).toBeGreaterThan(1_000_000)
  })
})
