/**
 * @effect-uds/volume/testing: test data for the volume, kept out of the main
 * entry point. Reach it as `import { RecordGenerator } from "@effect-uds/volume/testing"`.
 *
 * @since 0.1.0
 */

/**
 * Deterministic record names and metadata for tests and benchmarks.
 *
 * @since 0.1.0
 * @category testing
 */
export * as RecordGenerator from "./RecordGenerator.js"
