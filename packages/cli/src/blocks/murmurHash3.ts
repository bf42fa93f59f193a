/**
 * MurmurHash3 x64-128, the hash VDO names its 4 KiB blocks with
 * (`murmurhash3_128(data, 4096, 0x62ea60be, &record_name)` in the kernel's
 * data-vio.c), on 32-bit halves so that it runs at memory speed: each
 * 64-bit value is a (hi, lo) pair of uint32s, products are built from
 * `Math.imul` and 16-bit partial products. The volume package's BigInt
 * version (internal/format/murmurHash3.ts) is the readable specification;
 * tests check the two agree.
 *
 * @since 0.1.0
 */

/**
 * The seed VDO hashes data blocks with.
 *
 * @since 0.1.0
 * @category constants
 */
export const VDO_SEED = 0x62ea60be

// The high half of the last 64-bit result of the helpers below, which return the low half
// (used outside the block loop only).
let hiOut = 0

// The high 32 bits of the 64-bit product of two uint32s, from 16-bit partial products.
const mulHigh = (a: number, b: number): number => {
  const a0 = a & 0xffff
  const a1 = a >>> 16
  const b0 = b & 0xffff
  const b1 = b >>> 16
  const p01 = a0 * b1
  const p10 = a1 * b0
  const carry = (((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) >>> 16
  return a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + carry
}

// (ah, al) * (bh, bl) mod 2^64 (the tail and finalisation only).
const mul = (ah: number, al: number, bh: number, bl: number): number => {
  hiOut = (mulHigh(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0
  return Math.imul(al, bl) >>> 0
}

// (ah, al) + (bh, bl) mod 2^64.
const add = (ah: number, al: number, bh: number, bl: number): number => {
  const lo = al + bl
  hiOut = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0
  return lo >>> 0
}

// (h, l) rotated left by r, 0 < r < 32.
const rotl = (h: number, l: number, r: number): number => {
  hiOut = ((h << r) | (l >>> (32 - r))) >>> 0
  return ((l << r) | (h >>> (32 - r))) >>> 0
}

// The finalisation mix; its input and output are (hi, lo) = (hiOut, l).
const fmix = (h: number, l: number): number => {
  l = (l ^ (h >>> 1)) >>> 0
  l = mul(h, l, 0xff51afd7, 0xed558ccd)
  h = hiOut
  l = (l ^ (h >>> 1)) >>> 0
  l = mul(h, l, 0xc4ceb9fe, 0x1a85ec53)
  h = hiOut
  l = (l ^ (h >>> 1)) >>> 0
  hiOut = h
  return l
}

const C1H = 0x87c37b91
const C1L = 0x114253d5
const C2H = 0x4cf5ad43
const C2L = 0x2745937f

const u32 = (data: Uint8Array, at: number): number =>
  (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0

// The tail's bytes from..to-1 (at most 8) as a little-endian (hi, lo) pair.
const tailWord = (data: Uint8Array, from: number, to: number): number => {
  let hi = 0
  let lo = 0
  for (let i = to - 1; i >= from; i--) {
    const shift = (i - from) * 8
    if (shift >= 32) hi |= data[i]! << (shift - 32)
    else lo |= data[i]! << shift
  }
  hiOut = hi >>> 0
  return lo >>> 0
}

const writeLE64 = (out: Uint8Array, at: number, hi: number, lo: number): void => {
  out[at] = lo
  out[at + 1] = lo >>> 8
  out[at + 2] = lo >>> 16
  out[at + 3] = lo >>> 24
  out[at + 4] = hi
  out[at + 5] = hi >>> 8
  out[at + 6] = hi >>> 16
  out[at + 7] = hi >>> 24
}

/**
 * Writes the 16-byte MurmurHash3_x64_128 of `data[start, end)` with `seed`
 * into `out` at `outOffset` (h1 then h2, each little-endian, as the kernel
 * stores a record name). Allocates nothing.
 *
 * @since 0.1.0
 * @category hashing
 */
export const murmurHash3Into = (
  data: Uint8Array,
  start: number,
  end: number,
  seed: number,
  out: Uint8Array,
  outOffset: number
): void => {
  let h1h = 0
  let h1l = seed >>> 0
  let h2h = 0
  let h2l = seed >>> 0
  let k1l: number, k2l: number
  const length = end - start
  const bodyEnd = start + (length - (length % 16))
  for (let at = start; at < bodyEnd; at += 16) {
    // Inlined (no calls, no shared state): this loop is the hot path.
    let kl = u32(data, at)
    let kh = u32(data, at + 4)
    // k1 *= c1
    let tl = Math.imul(kl, C1L) >>> 0
    let th = (mulHigh(kl, C1L) + Math.imul(kl, C1H) + Math.imul(kh, C1L)) >>> 0
    // k1 = rotl(k1, 31)
    kh = ((th << 31) | (tl >>> 1)) >>> 0
    kl = ((tl << 31) | (th >>> 1)) >>> 0
    // k1 *= c2; h1 ^= k1
    h1l = (h1l ^ Math.imul(kl, C2L)) >>> 0
    h1h = (h1h ^ (mulHigh(kl, C2L) + Math.imul(kl, C2H) + Math.imul(kh, C2L))) >>> 0
    // h1 = rotl(h1, 27) + h2
    tl = ((h1l << 27) | (h1h >>> 5)) >>> 0
    th = ((h1h << 27) | (h1l >>> 5)) >>> 0
    tl += h2l
    th = (th + h2h + (tl > 0xffffffff ? 1 : 0)) >>> 0
    tl >>>= 0
    // h1 = h1 * 5 + 0x52dce729 (tl * 5 < 2^35 is exact)
    tl = tl * 5 + 0x52dce729
    h1h = (Math.imul(th, 5) + Math.floor(tl / 0x100000000)) >>> 0
    h1l = tl >>> 0
    kl = u32(data, at + 8)
    kh = u32(data, at + 12)
    // k2 *= c2
    tl = Math.imul(kl, C2L) >>> 0
    th = (mulHigh(kl, C2L) + Math.imul(kl, C2H) + Math.imul(kh, C2L)) >>> 0
    // k2 = rotl(k2, 33): the halves swapped, then rotated by 1
    kh = ((tl << 1) | (th >>> 31)) >>> 0
    kl = ((th << 1) | (tl >>> 31)) >>> 0
    // k2 *= c1; h2 ^= k2
    h2l = (h2l ^ Math.imul(kl, C1L)) >>> 0
    h2h = (h2h ^ (mulHigh(kl, C1L) + Math.imul(kl, C1H) + Math.imul(kh, C1L))) >>> 0
    // h2 = rotl(h2, 31) + h1
    tl = ((h2l << 31) | (h2h >>> 1)) >>> 0
    th = ((h2h << 31) | (h2l >>> 1)) >>> 0
    tl += h1l
    th = (th + h1h + (tl > 0xffffffff ? 1 : 0)) >>> 0
    tl >>>= 0
    // h2 = h2 * 5 + 0x38495ab5
    tl = tl * 5 + 0x38495ab5
    h2h = (Math.imul(th, 5) + Math.floor(tl / 0x100000000)) >>> 0
    h2l = tl >>> 0
  }
  const rest = end - bodyEnd
  if (rest > 8) {
    k2l = tailWord(data, bodyEnd + 8, end)
    k2l = mul(hiOut, k2l, C2H, C2L)
    k2l = rotl(k2l, hiOut, 1)
    k2l = mul(hiOut, k2l, C1H, C1L)
    h2h = (h2h ^ hiOut) >>> 0
    h2l = (h2l ^ k2l) >>> 0
  }
  if (rest > 0) {
    k1l = tailWord(data, bodyEnd, Math.min(end, bodyEnd + 8))
    k1l = mul(hiOut, k1l, C1H, C1L)
    k1l = rotl(hiOut, k1l, 31)
    k1l = mul(hiOut, k1l, C2H, C2L)
    h1h = (h1h ^ hiOut) >>> 0
    h1l = (h1l ^ k1l) >>> 0
  }
  // The length is below 2^53: its high half is its quotient by 2^32.
  const lengthHi = Math.floor(length / 0x100000000) >>> 0
  const lengthLo = length >>> 0
  h1h = (h1h ^ lengthHi) >>> 0
  h1l = (h1l ^ lengthLo) >>> 0
  h2h = (h2h ^ lengthHi) >>> 0
  h2l = (h2l ^ lengthLo) >>> 0
  h1l = add(h1h, h1l, h2h, h2l)
  h1h = hiOut
  h2l = add(h2h, h2l, h1h, h1l)
  h2h = hiOut
  h1l = fmix(h1h, h1l)
  h1h = hiOut
  h2l = fmix(h2h, h2l)
  h2h = hiOut
  h1l = add(h1h, h1l, h2h, h2l)
  h1h = hiOut
  h2l = add(h2h, h2l, h1h, h1l)
  h2h = hiOut
  writeLE64(out, outOffset, h1h, h1l)
  writeLE64(out, outOffset + 8, h2h, h2l)
}
