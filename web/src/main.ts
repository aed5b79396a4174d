import './assets/styles/tokens.css'
import './assets/styles/base.css'
import './assets/styles/components.css'
import './assets/styles/workspace.css'

import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createAppRouter } from './router'
import { useTheme } from './composables/useTheme'
import { installSession } from './plugins/session'
import { installErrorHandler } from './plugins/errorHandler'

useTheme() // applies data-theme now (public/theme-init.js already did before first paint)

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
const router = createAppRouter()
installSession(router)
installErrorHandler(app)
app.use(router)

// Mount once the first route is resolved (session restored): no flash of the login page on reload.
void router.isReady().finally(() => app.mount('#app'))
