import { defineConfig } from "vitest/config"

// In CI a JSON report is written too, so .ci/run can print the totals line.
const ci = process.env["CI"] === "true"

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Each test file runs in a child process (vitest's default, made explicit);
    // on 2 cores vitest runs one file at a time. The worker must answer
    // vitest's RPC within 60 s even on a loaded machine: the setup file gives
    // the event loop a turn however long Effect stays busy, long loops in the
    // stress tests yield a macrotask too, and the stress tests set their own,
    // wider timeouts (300 s).
    pool: "forks",
    setupFiles: ["tests/support/eventLoopTurns.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ci ? ["default", "json"] : ["default"],
    ...(ci ? { outputFile: { json: ".tsbuild/vitest-report.json" } } : {})
  }
})
