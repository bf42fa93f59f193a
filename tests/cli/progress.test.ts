// Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise (runs anywhere).
import { assert, describe, it } from "@effect/vitest"
import { make, PLAIN_LINE_MS, type ProgressOutput } from "../../packages/cli/src/progress.js"

// An output whose clock the test moves by hand.
const recorder = (isTerminal: boolean) => {
  const written: Array<string> = []
  let time = 0
  const output: ProgressOutput = { isTerminal, write: (text) => void written.push(text), now: () => time }
  return { output, written, tick: (ms: number) => void (time += ms) }
}

describe("progress", () => {
  it("when stderr is not a terminal writes nothing on a short run", () => {
    const { output, written } = recorder(false)
    const progress = make("verify", 10, output)
    for (let i = 0; i < 10; i++) progress.advance()
    progress.finish()
    assert.deepStrictEqual(written, [])
  })

  it("when stderr is not a terminal writes a plain line every few seconds on a long run, then the final count", () => {
    const { output, tick, written } = recorder(false)
    const progress = make("verify", 100, output)
    for (let i = 0; i < 100; i++) {
      tick(PLAIN_LINE_MS / 10)
      progress.advance()
    }
    progress.finish()
    assert.deepStrictEqual(written, [
      "verify: 10% 10/100\n",
      "verify: 20% 20/100\n",
      "verify: 30% 30/100\n",
      "verify: 40% 40/100\n",
      "verify: 50% 50/100\n",
      "verify: 60% 60/100\n",
      "verify: 70% 70/100\n",
      "verify: 80% 80/100\n",
      "verify: 90% 90/100\n",
      "verify: 100% 100/100\n",
      "verify: 100% 100/100\n"
    ])
    assert.isFalse(written.some((text) => text.includes("\x1b")))
  })

  it("on a terminal redraws one bar in place and removes it at the end", () => {
    const { output, tick, written } = recorder(true)
    const progress = make("writing", 2, output)
    tick(100)
    progress.advance()
    progress.advance()
    progress.finish()
    assert.lengthOf(written, 3)
    assert.match(written[0]!, /^\rwriting \[#{15}\.{15}\] 50% 1\/2\x1b\[K$/)
    assert.match(written[1]!, /^\rwriting \[#{30}\] 100% 2\/2\x1b\[K$/)
    assert.strictEqual(written[2], "\r\x1b[K")
  })
})
