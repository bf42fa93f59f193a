import { defineConfig } from "vitest/config"

// In CI a JSON report is written too, so .ci/run can print the totals line.
const ci = process.env["CI"] === "true"

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ci ? ["default", "json"] : ["default"],
    ...(ci ? { outputFile: { json: ".tsbuild/vitest-report.json" } } : {})
  }
})
