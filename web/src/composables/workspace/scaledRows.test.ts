import { describe, expect, it } from 'vitest'
import { bodyHeight, MAX_BODY_PX, scale, scrollLeftFor, scrollTopFor, tableOffset, visibleRows, type RowsGeometry } from './scaledRows'

const ROW = 32
const geometry = (total: number, viewport = 500, maxPx = MAX_BODY_PX): RowsGeometry => ({ total, rowHeight: ROW, viewport, maxPx })
const maxScroll = (g: RowsGeometry) => bodyHeight(g) - g.viewport
const indexes = (rows: { index: number }[]) => rows.map((r) => r.index)

describe('scaled virtual rows', () => {
  it('a short table is laid out at its own height, one row per 32 px', () => {
    const g = geometry(1000)
    expect(bodyHeight(g)).toBe(32_000)
    expect(scale(g)).toBe(1)
    expect(visibleRows(0, g)).toEqual(Array.from({ length: 16 }, (_, i) => ({ index: i, top: i * ROW })))
    expect(indexes(visibleRows(3200, g, 2))).toEqual(Array.from({ length: 20 }, (_, i) => 98 + i))
    expect(visibleRows(3200, g)[0]).toEqual({ index: 100, top: 3200 })
  })

  it('a table taller than the cap keeps the body at the cap, and the whole scroll range spans the whole table', () => {
    for (const total of [1_220_032, 5_000_000, 40_000_000]) {
      const g = geometry(total)
      expect(bodyHeight(g)).toBe(MAX_BODY_PX)
      expect(scale(g)).toBeGreaterThan(1)
      // top: row 0 at the body's top
      expect(visibleRows(0, g)[0]).toEqual({ index: 0, top: 0 })
      // bottom: the last row is rendered and ends exactly at the body's bottom, below the viewport's last pixel
      const end = visibleRows(maxScroll(g), g)
      const last = end.at(-1)!
      expect(last.index).toBe(total - 1)
      expect(last.top + ROW).toBeCloseTo(bodyHeight(g), 3)
      expect(last.top + ROW).toBeCloseTo(maxScroll(g) + g.viewport, 3)
      // the middle of the scroll range shows the middle of the table
      const middle = visibleRows(maxScroll(g) / 2, g)[0]!.index
      expect(Math.abs(middle - (total - g.viewport / ROW) / 2)).toBeLessThan(2)
    }
  })

  it('scaled rows sit edge to edge and fill the viewport wherever the scroll is', () => {
    const g = geometry(1_220_032)
    for (const scrollTop of [0, 1, 17.5, 123_456, 4_000_000, maxScroll(g) - 1, maxScroll(g)]) {
      const rows = visibleRows(scrollTop, g)
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.top - rows[i - 1]!.top).toBeCloseTo(ROW, 6)
      expect(rows[0]!.top).toBeLessThanOrEqual(scrollTop + 1e-6)
      expect(rows.at(-1)!.top + ROW).toBeGreaterThanOrEqual(scrollTop + g.viewport - 1e-6)
    }
  })

  it('one pixel of scrolling moves every row by one pixel until the next row comes in', () => {
    const g = geometry(2_000_000)
    const before = visibleRows(1000, g)
    const after = visibleRows(1001, g)
    const common = before.filter((r) => after.some((a) => a.index === r.index))
    expect(common.length).toBeGreaterThan(10)
    for (const r of common) {
      // the table moved scale() px while the viewport moved 1 px: on screen (top − scrollTop) a row moves up by scale − 1
      const a = after.find((x) => x.index === r.index)!
      expect((a.top - 1001) - (r.top - 1000)).toBeCloseTo(-scale(g), 6)
    }
  })

  it('scrolling to a row brings it fully into view with the least movement, in both modes', () => {
    for (const g of [geometry(10_000), geometry(1_220_032), geometry(30_000_000)]) {
      let scrollTop = 0
      for (const index of [0, 5, 15, 16, 400, 399, g.total / 2, g.total - 2, g.total - 1, 3, 0]) {
        scrollTop = scrollTopFor(index, scrollTop, g)
        expect(scrollTop).toBeGreaterThanOrEqual(0)
        expect(scrollTop).toBeLessThanOrEqual(maxScroll(g))
        const row = visibleRows(scrollTop, g).find((r) => r.index === index)
        expect(row, `row ${index} rendered`).toBeDefined()
        expect(row!.top).toBeGreaterThanOrEqual(scrollTop - 1e-6)
        expect(row!.top + ROW).toBeLessThanOrEqual(scrollTop + g.viewport + 1e-6)
      }
      // a row already in view does not move the scroll
      const inView = visibleRows(scrollTop, g)[3]!.index
      expect(scrollTopFor(inView, scrollTop, g)).toBe(scrollTop)
    }
  })

  it('the offset never leaves the table, and empty tables render nothing', () => {
    const g = geometry(1_220_032)
    expect(tableOffset(-50, g)).toBe(0)
    expect(tableOffset(1e12, g)).toBe(1_220_032 * ROW - g.viewport)
    expect(visibleRows(0, geometry(0))).toEqual([])
    expect(visibleRows(0, geometry(3))).toEqual([0, 1, 2].map((i) => ({ index: i, top: i * ROW })))
  })

  it('a cell cut by the left or right edge is scrolled into view by the least movement, clear of the row numbers', () => {
    // visible band 100–500 (row numbers take 0–100), the grid scrolled 300 px
    expect(scrollLeftFor(150, 300, 100, 500, 300)).toBe(300) // in view: unchanged
    expect(scrollLeftFor(60, 210, 100, 500, 300)).toBe(260) // under the row numbers: 40 px back
    expect(scrollLeftFor(420, 570, 100, 500, 300)).toBe(370) // cut at the right: 70 px on
    expect(scrollLeftFor(450, 1050, 100, 500, 300)).toBe(650) // wider than the band: its left edge at the band's
    expect(scrollLeftFor(-200, 700, 100, 500, 300)).toBe(0) // wider and cut on the left: its left edge too
  })
})
