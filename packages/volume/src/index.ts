/**
 * @effect-uds/volume: the UDS deduplication index volume as Effect services.
 *
 * @since 0.1.0
 */
export * as Geometry from "./Geometry.js"
export * as VolumeError from "./VolumeError.js"
