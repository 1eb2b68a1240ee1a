/** Debian's Chromium (installed by stack/bootstrap.sh); Playwright never downloads a browser of its own here. */
export const chromiumPath = process.env.JOBSTREAM_CHROMIUM ?? "/usr/bin/chromium"

/**
 * Flags for headless Chromium in this environment: no sandbox (root in a container), no GPU, and none of the
 * background networking that keeps dialling Google's hosts, which the network here refuses.
 */
export const chromiumArgs: ReadonlyArray<string> = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]
