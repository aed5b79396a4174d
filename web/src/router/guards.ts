import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router'
import { useAuthStore } from '@/stores/auth'

/** Only same-app paths are accepted as a post-login destination (no open redirect). */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string') return null
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null
  return value
}

export async function authGuard(to: RouteLocationNormalized): Promise<true | RouteLocationRaw> {
  const auth = useAuthStore()
  // Restore the session from the refresh cookie before the first route renders (once per page load).
  if (!auth.restoreAttempted) await auth.restore()

  if (!auth.isAuthenticated) {
    if (to.meta.requiresAuth || to.meta.requiresAdmin) {
      return to.fullPath === '/app' ? { name: 'login' } : { name: 'login', query: { redirect: to.fullPath } }
    }
    return true
  }

  if (auth.mustChangePassword) return to.name === 'change-password' ? true : { name: 'change-password' }
  if (to.meta.guestOnly) return safeRedirect(to.query.redirect) ?? { name: 'workspace' }
  if (to.meta.requiresAdmin && !auth.isAdmin) return { name: 'workspace' }
  return true
}

export function installGuards(router: Router): void {
  router.beforeEach(authGuard)
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · RET` : 'RET'
  })
}
