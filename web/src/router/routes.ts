import type { RouteRecordRaw } from 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** Needs a signed-in session. */
    requiresAuth?: boolean
    /** Needs role admin (implies requiresAuth). */
    requiresAdmin?: boolean
    /** Public page that a signed-in user should not see (login). */
    guestOnly?: boolean
    title?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { guestOnly: true, title: 'Sign in' } },
  { path: '/app', name: 'workspace', component: () => import('@/views/MainView.vue'), meta: { requiresAuth: true, title: 'Workspace' } },
  { path: '/app/sessions/:id', name: 'workspace-session', component: () => import('@/views/MainView.vue'), meta: { requiresAuth: true, title: 'Workspace' } },
  { path: '/history', name: 'history', component: () => import('@/views/HistoryView.vue'), meta: { requiresAuth: true, title: 'History' } },
  { path: '/admin', name: 'admin', component: () => import('@/views/AdminView.vue'), meta: { requiresAuth: true, requiresAdmin: true, title: 'Admin' } },
  { path: '/change-password', name: 'change-password', component: () => import('@/views/ChangePasswordView.vue'), meta: { requiresAuth: true, title: 'Change password' } },
  { path: '/reset-password', name: 'reset-password', component: () => import('@/views/ResetPasswordView.vue'), meta: { title: 'Reset password' } },
  { path: '/account/api-keys', name: 'api-keys', component: () => import('@/views/ApiKeysView.vue'), meta: { requiresAuth: true, title: 'API keys' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { title: 'Page not found' } },
]
