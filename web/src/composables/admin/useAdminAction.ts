import { ref } from 'vue'
import { toUserMessage } from '@/api/problem'
import { useToastStore } from '@/stores/toasts'

export type ActionResult<R> = { ok: true; value: R } | { ok: false; message: string }

/**
 * Runs one admin change: a busy flag against double submits, the outcome as a toast (success, or the server's
 * words — a 409 shows its title, e.g. "You cannot demote, disable or lock your own account.").
 */
export function useAdminAction() {
  const toasts = useToastStore()
  const busy = ref(false)

  async function run<R>(work: () => Promise<R>, success: string | ((value: R) => string) | null): Promise<ActionResult<R>> {
    if (busy.value) return { ok: false, message: 'Busy.' }
    busy.value = true
    try {
      const value = await work()
      const message = typeof success === 'function' ? success(value) : success
      if (message) toasts.success(message)
      return { ok: true, value }
    } catch (err) {
      const message = toUserMessage(err)
      toasts.error(message)
      return { ok: false, message }
    } finally {
      busy.value = false
    }
  }

  return { busy, run }
}
