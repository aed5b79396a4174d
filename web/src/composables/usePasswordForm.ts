import { ref } from 'vue'
import { fieldErrors, toUserMessage } from '@/api/problem'
import type { PasswordPolicy } from '@/api/types'

/** State shared by the change- and reset-password forms: local checks first, then the server's verdict. */
export function usePasswordForm() {
  const password = ref('')
  const confirm = ref('')
  const busy = ref(false)
  const submitted = ref(false)
  const error = ref<string | null>(null)
  const fields = ref<Record<string, string>>({})

  function localProblem(policy: PasswordPolicy): string | null {
    const length = Array.from(password.value).length
    if (length < policy.minLength) return `Use at least ${policy.minLength} characters.`
    if (length > policy.maxLength) return `Use at most ${policy.maxLength} characters.`
    if (password.value !== confirm.value) return 'The two passwords do not match.'
    return null
  }

  /** Runs `action` unless a local rule fails; maps a server refusal to field or form errors. */
  async function run(policy: PasswordPolicy, action: () => Promise<void>): Promise<boolean> {
    if (busy.value) return false
    submitted.value = true
    error.value = null
    fields.value = {}
    const problem = localProblem(policy)
    if (problem) {
      error.value = problem
      return false
    }
    busy.value = true
    try {
      await action()
      return true
    } catch (err) {
      fields.value = fieldErrors(err)
      error.value = Object.keys(fields.value).length ? null : toUserMessage(err)
      return false
    } finally {
      busy.value = false
    }
  }

  return { password, confirm, busy, submitted, error, fields, run }
}
