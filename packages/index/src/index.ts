/**
 * @effect-uds/index: the whole UDS deduplication index on top of
 * `@effect-uds/volume`.
 *
 * @since 0.1.0
 */
export * as IndexError from "./IndexError.js"
export * as IndexConfig from "./IndexConfig.js"
export * as VolumeIndex from "./VolumeIndex.js"
export * as Index from "./IndexService.js"
