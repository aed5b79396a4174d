import type { App } from 'vue'
import { isAxiosError, isCancel } from 'axios'
import { toUserMessage } from '@/api/problem'
import { useToastStore } from '@/stores/toasts'

function report(err: unknown): void {
  if (isCancel(err)) return
  // A 401 that survived the refresh is handled by the session bridge (redirect to sign-in).
  if (isAxiosError(err) && err.response?.status === 401) return
  useToastStore().error(toUserMessage(err))
}

/** Last line of defence: anything not handled by a component becomes a friendly toast. */
export function installErrorHandler(app: App): void {
  app.config.errorHandler = (err, _instance, info) => {
    console.error('[RET] unhandled error', info, err)
    report(err)
  }
  window.addEventListener('unhandledrejection', (event) => {
    console.error('[RET] unhandled rejection', event.reason)
    report(event.reason)
  })
}
