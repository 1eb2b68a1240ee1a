import { Layer } from "effect"
import { stackTestConfig } from "../stack/testing.js"
import { InfraLive } from "./ingest.js"

/**
 * The test configuration of stack/testing.ts with every client the app builds on, the local embedder included:
 * for tests that run stages, the API or the whole pipeline.
 */
export const testConfig = (namespace?: string) => {
  const config = stackTestConfig(namespace)
  return { ...config, layer: InfraLive.pipe(Layer.provide(config.configLayer)) }
}
