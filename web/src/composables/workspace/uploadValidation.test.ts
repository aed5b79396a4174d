import { describe, expect, it } from 'vitest'
import { validateFiles } from './uploadValidation'

const MB = 1024 * 1024
const file = (name: string, size: number) => new File([new Uint8Array(size)], name)
const quota = { usedBytes: 90 * MB, limitBytes: 100 * MB, maxFileBytes: 6 * MB }

describe('validateFiles', () => {
  it('accepts .zip and .xml (any case) and rejects other types with a clear message', () => {
    const r = validateFiles([file('a.ZIP', 10), file('b.xml', 10), file('notes.pdf', 10)], null)
    expect(r.accepted.map((f) => f.name)).toEqual(['a.ZIP', 'b.xml'])
    expect(r.rejected).toEqual([{ name: 'notes.pdf', message: 'notes.pdf: only .zip and .xml files can be uploaded.' }])
  })

  it('rejects a file over the per-file cap, naming both sizes', () => {
    const r = validateFiles([file('big.zip', 7 * MB)], quota)
    expect(r.rejected[0]!.message).toBe('big.zip is 7.0 MB; the limit per file is 6.0 MB.')
  })

  it('rejects what no longer fits in the quota, counting the files accepted before it', () => {
    const r = validateFiles([file('one.zip', 5 * MB), file('two.zip', 5 * MB + 1)], quota)
    expect(r.accepted.map((f) => f.name)).toEqual(['one.zip'])
    expect(r.rejected[0]!.message).toMatch(/^two\.zip \(5\.0 MB\) does not fit in your storage: 5\.0 MB left of 100 MB\./)
  })

  it('rejects empty files', () => {
    expect(validateFiles([file('e.xml', 0)], quota).rejected[0]!.message).toBe('e.xml is empty.')
  })
})
