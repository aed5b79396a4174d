import { ref } from 'vue'
import { getPublicConfig, DEFAULT_PASSWORD_POLICY } from '@/api/config'
import type { PasswordPolicy, PublicConfig } from '@/api/types'

const config = ref<PublicConfig | null>(null)
let loading: Promise<void> | null = null

/** Anonymous server settings (demo mode, password policy), fetched once per page. */
export function usePublicConfig() {
  if (!config.value && !loading) {
    loading = getPublicConfig()
      .then((c) => {
        config.value = c
      })
      .catch(() => {
        // Not fatal: the login page works without it (no demo button, default policy text).
        loading = null
      })
  }
  return {
    config,
    policy: (): PasswordPolicy => config.value?.passwordPolicy ?? { ...DEFAULT_PASSWORD_POLICY },
  }
}
