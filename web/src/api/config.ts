import { http } from './http'
import type { PublicConfig } from './types'

export const DEFAULT_PASSWORD_POLICY = { minLength: 8, maxLength: 128, recommendedLength: 15 } as const

export async function getPublicConfig(signal?: AbortSignal): Promise<PublicConfig> {
  const data = (await http.get<PublicConfig>('/config/public', { signal, skipAuthRefresh: true })).data
  return { ...data, passwordPolicy: data.passwordPolicy ?? { ...DEFAULT_PASSWORD_POLICY } }
}
