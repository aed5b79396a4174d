import type { Router } from 'vue-router'
import { connectSession } from '@/api/http'
import { useAuthStore } from '@/stores/auth'

/** Wires the HTTP client to the auth store and the router (bearer, refresh, session end). */
export function installSession(router: Router): void {
  const auth = useAuthStore()
  connectSession({
    getAccessToken: () => auth.accessToken,
    refresh: () => auth.refreshSession(),
    onSessionEnded: () => {
      const wasSignedIn = auth.isAuthenticated
      auth.endSession()
      if (wasSignedIn || router.currentRoute.value.meta.requiresAuth) void router.replace({ name: 'login' })
    },
    onPasswordChangeRequired: () => {
      auth.requirePasswordChange()
      void router.replace({ name: 'change-password' })
    },
  })
}
