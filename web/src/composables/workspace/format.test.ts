import { describe, expect, it } from 'vitest'
import { formatSpeed } from './format'

describe('formatSpeed', () => {
  it('shows MB/s from 1 MB/s up and KB/s below, so a tiny conversion is not "0.0 MB/s"', () => {
    expect(formatSpeed(285_400_000)).toBe('285.4 MB/s')
    expect(formatSpeed(1_000_000)).toBe('1.0 MB/s')
    expect(formatSpeed(13_100)).toBe('13 KB/s')
    expect(formatSpeed(0)).toBe('0 KB/s')
  })

  it('shows a dash when there is no rate', () => {
    expect(formatSpeed(null)).toBe('—')
    expect(formatSpeed(undefined)).toBe('—')
    expect(formatSpeed(Number.NaN)).toBe('—')
  })
})
