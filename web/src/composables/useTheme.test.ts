import { describe, expect, it, vi } from 'vitest'
import { createThemeController, THEME_STORAGE_KEY, type ThemeEnvironment } from './useTheme'

function fakeMedia(initiallyDark: boolean) {
  const listeners = new Set<(e: MediaQueryListEvent) => void>()
  const mql = {
    matches: initiallyDark,
    media: '(prefers-color-scheme: dark)',
    addEventListener: (_: string, fn: (e: MediaQueryListEvent) => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: (e: MediaQueryListEvent) => void) => listeners.delete(fn),
  } as unknown as MediaQueryList
  return {
    matchMedia: vi.fn(() => mql),
    setSystemDark(dark: boolean) {
      ;(mql as { matches: boolean }).matches = dark
      listeners.forEach((fn) => fn({ matches: dark } as MediaQueryListEvent))
    },
  }
}

function fakeStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial))
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: vi.fn((k: string, v: string) => void data.set(k, v)),
    removeItem: (k: string) => void data.delete(k),
    data,
  }
}

function env(opts: { saved?: string; systemDark?: boolean }) {
  const media = fakeMedia(opts.systemDark ?? false)
  const storage = fakeStorage(opts.saved ? { [THEME_STORAGE_KEY]: opts.saved } : {})
  const root = document.createElement('html')
  const e: ThemeEnvironment = { storage, matchMedia: media.matchMedia, root }
  return { e, media, storage, root }
}

describe('useTheme', () => {
  it('a saved choice wins over the system preference', () => {
    const { e, root } = env({ saved: 'light', systemDark: true })
    const t = createThemeController(e)
    expect(t.theme.value).toBe('light')
    expect(t.followsSystem.value).toBe(false)
    expect(root.getAttribute('data-theme')).toBe('light')
  })

  it('falls back to the system preference when nothing is saved', () => {
    const dark = env({ systemDark: true })
    expect(createThemeController(dark.e).theme.value).toBe('dark')
    expect(dark.root.getAttribute('data-theme')).toBe('dark')
    const light = env({ systemDark: false })
    expect(createThemeController(light.e).theme.value).toBe('light')
  })

  it('ignores an invalid saved value', () => {
    const { e } = env({ saved: 'purple', systemDark: true })
    expect(createThemeController(e).theme.value).toBe('dark')
  })

  it('follows system changes until the user chooses, then stops', () => {
    const { e, media, root } = env({ systemDark: false })
    const t = createThemeController(e)
    media.setSystemDark(true)
    expect(t.theme.value).toBe('dark')
    expect(root.getAttribute('data-theme')).toBe('dark')

    t.setTheme('light')
    media.setSystemDark(true)
    media.setSystemDark(false)
    media.setSystemDark(true)
    expect(t.theme.value).toBe('light')
    expect(root.getAttribute('data-theme')).toBe('light')
  })

  it('toggle applies data-theme and saves the choice under retv4_theme', () => {
    const { e, storage, root } = env({ systemDark: false })
    const t = createThemeController(e)
    t.toggleTheme()
    expect(root.getAttribute('data-theme')).toBe('dark')
    expect(storage.setItem).toHaveBeenCalledWith('retv4_theme', 'dark')
    t.toggleTheme()
    expect(root.getAttribute('data-theme')).toBe('light')
    expect(storage.data.get('retv4_theme')).toBe('light')
  })

  it('can go back to following the system', () => {
    const { e, media, storage } = env({ saved: 'light', systemDark: true })
    const t = createThemeController(e)
    t.useSystemTheme()
    expect(t.theme.value).toBe('dark')
    expect(storage.data.has('retv4_theme')).toBe(false)
    media.setSystemDark(false)
    expect(t.theme.value).toBe('light')
  })

  it('works when storage and matchMedia are unavailable', () => {
    const root = document.createElement('html')
    const t = createThemeController({ storage: null, matchMedia: null, root })
    expect(t.theme.value).toBe('light')
    t.toggleTheme()
    expect(root.getAttribute('data-theme')).toBe('dark')
  })
})
