import { createRouter, createWebHistory, type RouterHistory } from 'vue-router'
import { routes } from './routes'
import { installGuards } from './guards'

export function createAppRouter(history: RouterHistory = createWebHistory()) {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })
  installGuards(router)
  return router
}
