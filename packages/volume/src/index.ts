/**
 * @effect-uds/volume: the UDS deduplication index volume as Effect services.
 *
 * @since 0.1.0
 */

/**
 * The storage a volume lives on, with memory, file, faulty and crashable devices.
 *
 * @since 0.1.0
 * @category modules
 */
export * as BlockDevice from "./BlockDevice.js"

/**
 * Finding the oldest and newest chapters on a volume.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ChapterBoundaries from "./ChapterBoundaries.js"

/**
 * Packing and decoding a chapter's index pages (delta-coded name → record page).
 *
 * @since 0.1.0
 * @category modules
 */
export * as ChapterIndex from "./ChapterIndex.js"

/**
 * A volume's geometry: page, chapter and volume sizes, and the values derived from them.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Geometry from "./Geometry.js"

/**
 * Reading the whole-index file layout: super block, region tables and the volume region.
 *
 * @since 0.1.0
 * @category modules
 */
export * as IndexLayout from "./IndexLayout.js"

/**
 * The index page map: which delta lists each index page of a chapter holds.
 *
 * @since 0.1.0
 * @category modules
 */
export * as IndexPageMap from "./IndexPageMap.js"

/**
 * The page cache shared by index and record pages.
 *
 * @since 0.1.0
 * @category modules
 */
export * as PageCache from "./PageCache.js"

/**
 * The queue of page reads, merged per page and served by reader fibers.
 *
 * @since 0.1.0
 * @category modules
 */
export * as ReadQueue from "./ReadQueue.js"

/**
 * Encoding and searching record pages.
 *
 * @since 0.1.0
 * @category modules
 */
export * as RecordPage from "./RecordPage.js"

/**
 * The volume service: write chapters, look names up, forget chapters.
 *
 * @since 0.1.0
 * @category modules
 */
export * as Volume from "./Volume.js"

/**
 * The typed errors of volume operations.
 *
 * @since 0.1.0
 * @category modules
 */
export * as VolumeError from "./VolumeError.js"
