import { computed, onBeforeUnmount, ref, watch, type Ref } from 'vue'

/**
 * Virtual rows of a fixed height for tables of any length. Browsers cap an element's height (Chromium at 33 554 432 px,
 * Firefox near 17.9 M px), so a body of `rows × height` pixels stops growing at ~1.05 M rows of 32 px in Chromium and
 * ~560 k in Firefox, and the rows past the cap could never be scrolled to. Past `maxPx` the body keeps that height and
 * the scroll position is scaled: the scroll bar's whole range still spans the whole table, and rows are placed
 * relative to the scroll position, so they move pixel for pixel like in an unscaled list.
 *
 * Coordinates are the body's: `scrollTop` 0 shows row 0 at the body's top, and `viewport` is the height in which rows
 * are visible (the scroll container's height minus a sticky header above the body).
 */
export interface RowsGeometry {
  total: number
  rowHeight: number
  viewport: number
  maxPx: number
}

/** Below this, every browser lays the body out at full height (with a wide margin under Firefox's cap). */
export const MAX_BODY_PX = 8_000_000

/** The body's height in pixels: the rows' height, or `maxPx` when they are taller. */
export function bodyHeight(g: RowsGeometry): number {
  return Math.min(g.total * g.rowHeight, g.maxPx)
}

/** How many table pixels one pixel of scrolling moves (1 until the table outgrows `maxPx`). */
export function scale(g: RowsGeometry): number {
  const content = g.total * g.rowHeight
  const body = bodyHeight(g)
  if (content <= body || body <= g.viewport) return 1
  return (content - g.viewport) / (body - g.viewport)
}

/** The table's pixel offset shown at the top of the viewport for a scroll position. */
export function tableOffset(scrollTop: number, g: RowsGeometry): number {
  const max = Math.max(0, g.total * g.rowHeight - g.viewport)
  return Math.min(max, Math.max(0, scrollTop * scale(g)))
}

export interface VisibleRow {
  index: number
  /** Top of the row inside the body, in pixels. */
  top: number
}

/** The rows to render for a scroll position: those in the viewport plus `overscan` on each side. */
export function visibleRows(scrollTop: number, g: RowsGeometry, overscan = 0): VisibleRow[] {
  if (g.total <= 0 || g.rowHeight <= 0) return []
  const offset = tableOffset(scrollTop, g)
  const first = Math.max(0, Math.floor(offset / g.rowHeight) - overscan)
  const last = Math.min(g.total - 1, Math.ceil((offset + Math.max(g.viewport, 0)) / g.rowHeight) - 1 + overscan)
  // Unscaled, a row's place is its own; scaled, it is placed relative to the scroll position (offset ↔ scrollTop).
  const shift = scale(g) === 1 ? 0 : scrollTop - offset
  const rows: VisibleRow[] = []
  for (let i = first; i <= last; i++) rows.push({ index: i, top: i * g.rowHeight + shift })
  return rows
}

/** The scroll position that brings row `index` fully into view with the least movement (unchanged if it is). */
export function scrollTopFor(index: number, scrollTop: number, g: RowsGeometry): number {
  const offset = tableOffset(scrollTop, g)
  const top = index * g.rowHeight
  const maxScroll = Math.max(0, bodyHeight(g) - g.viewport)
  // Scaled, a scroll position is a whole pixel worth several table pixels: round towards the row, so it ends in view.
  if (top < offset) return Math.min(maxScroll, Math.max(0, Math.floor(top / scale(g))))
  if (top + g.rowHeight > offset + g.viewport) return Math.min(maxScroll, Math.max(0, Math.ceil((top + g.rowHeight - g.viewport) / scale(g))))
  return scrollTop
}

/**
 * The horizontal scroll position that brings a cell spanning `left`–`right` fully into the visible band
 * `viewLeft`–`viewRight` (all in the same coordinates, e.g. the viewport's) with the least movement; a cell wider than
 * the band is aligned at its left edge.
 */
export function scrollLeftFor(left: number, right: number, viewLeft: number, viewRight: number, scrollLeft: number): number {
  if (left < viewLeft) return scrollLeft - (viewLeft - left)
  if (right > viewRight) return scrollLeft + Math.min(right - viewRight, left - viewLeft)
  return scrollLeft
}

/**
 * The rows to render in `scroller` for a table of `total` rows whose body starts `bodyTop()` pixels into the
 * scrolled content (below a sticky header), kept up to date on scroll and resize.
 */
export function useScaledRows(options: {
  scroller: Ref<HTMLElement | null>
  total: Ref<number>
  rowHeight: number
  overscan: number
  bodyTop: () => number
  /** Used while the scroller has no layout (not yet attached, or a test DOM). */
  fallbackViewport?: number
  maxPx?: number
}) {
  const scrollTop = ref(0)
  const viewport = ref(options.fallbackViewport ?? 480)
  const geometry = computed<RowsGeometry>(() => ({
    total: options.total.value,
    rowHeight: options.rowHeight,
    viewport: viewport.value,
    maxPx: options.maxPx ?? MAX_BODY_PX,
  }))
  const rows = computed(() => visibleRows(scrollTop.value, geometry.value, options.overscan))
  const height = computed(() => bodyHeight(geometry.value))

  function measure(): void {
    const el = options.scroller.value
    if (!el) return
    scrollTop.value = el.scrollTop
    const visible = el.clientHeight - options.bodyTop()
    viewport.value = visible > 0 ? visible : (options.fallbackViewport ?? 480)
  }

  let observer: ResizeObserver | undefined
  watch(
    options.scroller,
    (el, _, onCleanup) => {
      if (!el) return
      el.addEventListener('scroll', measure, { passive: true })
      if (typeof ResizeObserver !== 'undefined') {
        observer = new ResizeObserver(measure)
        observer.observe(el)
      }
      measure()
      onCleanup(() => {
        el.removeEventListener('scroll', measure)
        observer?.disconnect()
      })
    },
    { immediate: true },
  )
  onBeforeUnmount(() => observer?.disconnect())

  /** Scrolls so that row `index` is in view; the rows are recomputed at once (a cell can be focused on the next tick). */
  function scrollToIndex(index: number): void {
    const el = options.scroller.value
    if (!el) return
    measure()
    el.scrollTop = scrollTopFor(index, el.scrollTop, geometry.value)
    measure()
  }

  function scrollToTop(): void {
    const el = options.scroller.value
    if (el) el.scrollTop = 0
    scrollTop.value = 0
  }

  /** Whole rows that fit in the viewport (PageUp / PageDown move by this many). */
  const pageRows = computed(() => Math.max(1, Math.floor(viewport.value / options.rowHeight)))

  return { rows, height, pageRows, scrollToIndex, scrollToTop }
}
