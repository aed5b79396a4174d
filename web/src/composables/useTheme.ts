import { computed, readonly, ref, type Ref } from 'vue'

export type Theme = 'light' | 'dark'
export const THEME_STORAGE_KEY = 'retv4_theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

export interface ThemeEnvironment {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null
  matchMedia: ((query: string) => MediaQueryList) | null
  root: HTMLElement
}

function browserEnvironment(): ThemeEnvironment {
  let storage: ThemeEnvironment['storage'] = null
  try {
    storage = window.localStorage
  } catch {
    storage = null // storage blocked by the browser: theme still works, just is not remembered
  }
  return {
    storage,
    matchMedia: typeof window.matchMedia === 'function' ? window.matchMedia.bind(window) : null,
    root: document.documentElement,
  }
}

function readSaved(env: ThemeEnvironment): Theme | null {
  try {
    const saved = env.storage?.getItem(THEME_STORAGE_KEY)
    return saved === 'light' || saved === 'dark' ? saved : null
  } catch {
    return null
  }
}

/**
 * Theme state: the saved choice wins; otherwise the system preference, followed live until the
 * user picks a theme. Applies `data-theme` on <html> (public/theme-init.js does the same before first paint).
 */
export function createThemeController(env: ThemeEnvironment = browserEnvironment()) {
  const saved = readSaved(env)
  const media = env.matchMedia?.(DARK_QUERY) ?? null
  const theme: Ref<Theme> = ref(saved ?? (media?.matches ? 'dark' : 'light'))
  const followsSystem = ref(saved === null)

  function apply(): void {
    env.root.setAttribute('data-theme', theme.value)
  }

  function onSystemChange(event: MediaQueryListEvent): void {
    if (!followsSystem.value) return
    theme.value = event.matches ? 'dark' : 'light'
    apply()
  }

  function setTheme(next: Theme): void {
    theme.value = next
    followsSystem.value = false
    try {
      env.storage?.setItem(THEME_STORAGE_KEY, next)
    } catch {
      /* not remembered; still applied */
    }
    apply()
  }

  function toggleTheme(): void {
    setTheme(theme.value === 'dark' ? 'light' : 'dark')
  }

  /** Forget the saved choice and follow the system again. */
  function useSystemTheme(): void {
    try {
      env.storage?.removeItem(THEME_STORAGE_KEY)
    } catch {
      /* ignore */
    }
    followsSystem.value = true
    theme.value = media?.matches ? 'dark' : 'light'
    apply()
  }

  function dispose(): void {
    media?.removeEventListener?.('change', onSystemChange)
  }

  media?.addEventListener?.('change', onSystemChange)
  apply()

  return {
    theme: readonly(theme),
    isDark: computed(() => theme.value === 'dark'),
    followsSystem: readonly(followsSystem),
    setTheme,
    toggleTheme,
    useSystemTheme,
    dispose,
  }
}

export type ThemeController = ReturnType<typeof createThemeController>

let shared: ThemeController | null = null

/** The app-wide theme (one controller per page). */
export function useTheme(): ThemeController {
  shared ??= createThemeController()
  return shared
}
