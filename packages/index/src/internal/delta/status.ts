/**
 * The numeric results of the delta-list and volume index operations, with
 * the reference's values (volume-index.md conventions). Hot paths return
 * these; the public boundary turns the errors into typed errors.
 *
 * @internal
 */

export const OK = 0
/** A list would grow past 65,535 bits, or its zone's memory is full. */
export const OVERFLOW = 1024
export const INVALID_ARGUMENT = 1025
/** An operation that needs a found record was given a new one. */
export const BAD_STATE = 1026
/** The name is already a collision entry. */
export const DUPLICATE_NAME = 1027
export const CORRUPT_DATA = 1034
