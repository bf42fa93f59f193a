/**
 * @effect-uds/volume: the UDS deduplication index volume as Effect services.
 *
 * @since 0.1.0
 */
export * as BlockDevice from "./BlockDevice.js"
export * as ChapterBoundaries from "./ChapterBoundaries.js"
export * as ChapterIndex from "./ChapterIndex.js"
export * as Geometry from "./Geometry.js"
export * as IndexLayout from "./IndexLayout.js"
export * as IndexPageMap from "./IndexPageMap.js"
export * as PageCache from "./PageCache.js"
export * as ReadQueue from "./ReadQueue.js"
export * as RecordPage from "./RecordPage.js"
export * as Volume from "./Volume.js"
export * as VolumeError from "./VolumeError.js"
