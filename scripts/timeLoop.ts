// What the micro-benchmarks in scripts/ share.

/** Runs `body` repeatedly for about a second, after 100 untimed calls; returns µs per call of `body`. */
export const timeLoop = (body: () => void): number => {
  for (let i = 0; i < 100; i++) body()
  let rounds = 0
  const start = performance.now()
  while (performance.now() - start < 1000) {
    body()
    rounds++
  }
  return ((performance.now() - start) * 1000) / rounds
}
