import { defineConfig } from "vitest/config"

// Integration tests share one real stack (Kafka, PostgreSQL, ClickHouse): files run one after another so a
// stack restart or a topic reset in one file never races another; 2 cores would gain little from parallelism.
export default defineConfig({
  test: {
    include: ["{pipelines,connectors,processors,sinks,dashboards,schemas,stack}/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ["default"]
  }
})
