import { ref } from 'vue'
import { useRouter } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { useToastStore } from '@/stores/toasts'
import { toUserMessage } from '@/api/problem'

/** Sign out of this browser, or of every session of the account. The local session ends either way. */
export function useSignOut() {
  const auth = useAuthStore()
  const toasts = useToastStore()
  const router = useRouter()
  const busy = ref(false)

  async function run(everywhere: boolean): Promise<void> {
    if (busy.value) return
    busy.value = true
    try {
      await (everywhere ? auth.logoutAll() : auth.logout())
      toasts.success(everywhere ? 'Signed out on every device.' : 'You are signed out.')
    } catch (err) {
      toasts.warning(`Signed out here, but the server could not be told: ${toUserMessage(err)}`)
    } finally {
      busy.value = false
      await router.replace({ name: 'login' })
    }
  }

  return { busy, signOut: () => run(false), signOutEverywhere: () => run(true) }
}
