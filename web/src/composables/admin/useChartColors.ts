import { computed, onBeforeUnmount, onMounted, ref } from 'vue'

/** The design tokens a chart draws with. Text-level tokens give ≥ 3:1 graphics contrast in both themes. */
export const CHART_TOKENS = {
  text: '--text-secondary',
  grid: '--border-subtle',
  axis: '--border-default',
  surface: '--surface-elevated',
  heading: '--text-heading',
  info: '--info-text',
  success: '--success-text',
  error: '--error-text',
  accent: '--text-accent',
  brand: '--brand-primary',
} as const

export type ChartColorName = keyof typeof CHART_TOKENS
export type ChartColors = Record<ChartColorName, string>

const FALLBACK: ChartColors = {
  text: '#4f4a3e',
  grid: '#ebe8df',
  axis: '#d9d4c6',
  surface: '#fffdf8',
  heading: '#14120d',
  info: '#1d4ed8',
  success: '#047857',
  error: '#b91c1c',
  accent: '#7a5600',
  brand: '#ffc000',
}

export function readChartColors(root: Element = document.documentElement): ChartColors {
  const style = getComputedStyle(root)
  const out = { ...FALLBACK }
  for (const [name, token] of Object.entries(CHART_TOKENS) as [ChartColorName, string][]) {
    const value = style.getPropertyValue(token).trim()
    if (value) out[name] = value
  }
  return out
}

/** `#rrggbb` + alpha → `rgba()`, for fills under a line; other colour syntaxes pass through unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color)
  if (!m?.[1]) return color
  const n = parseInt(m[1], 16)
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`
}

/**
 * Chart colours read from the CSS custom properties, re-read when the theme changes (so charts follow dark mode),
 * plus the reduced-motion preference (no chart animation then).
 */
export function useChartColors() {
  const version = ref(0)
  const colors = computed<ChartColors>(() => {
    void version.value
    return readChartColors()
  })
  const media = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-reduced-motion: reduce)') : null
  const reducedMotion = ref(media?.matches ?? false)
  const onMotion = (e: MediaQueryListEvent) => (reducedMotion.value = e.matches)
  // useTheme switches data-theme on <html> (toggle, system change): re-read the tokens whenever it changes.
  let observer: MutationObserver | null = null
  onMounted(() => {
    media?.addEventListener?.('change', onMotion)
    observer = new MutationObserver(() => version.value++)
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })
  })
  onBeforeUnmount(() => {
    media?.removeEventListener?.('change', onMotion)
    observer?.disconnect()
  })
  return { colors, reducedMotion }
}
