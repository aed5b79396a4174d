import { http } from './http'
import type { ApiKey, CreatedApiKey, LoginResponse, User } from './types'

const noRefresh = { skipAuthRefresh: true } as const

export async function login(username: string, password: string): Promise<LoginResponse> {
  return (await http.post<LoginResponse>('/auth/login', { username, password }, noRefresh)).data
}

/** Uses the HttpOnly refresh cookie; rotates it. */
export async function refresh(): Promise<LoginResponse> {
  return (await http.post<LoginResponse>('/auth/refresh', null, noRefresh)).data
}

export async function logout(): Promise<void> {
  await http.post('/auth/logout', null, noRefresh)
}

export async function logoutAll(): Promise<void> {
  await http.post('/auth/logout-all')
}

export async function me(): Promise<User> {
  return (await http.get<User>('/auth/me')).data
}

export async function changePassword(currentPassword: string, newPassword: string): Promise<LoginResponse> {
  return (await http.post<LoginResponse>('/auth/change-password', { currentPassword, newPassword })).data
}

export async function requestReset(username: string): Promise<string> {
  const res = await http.post<{ message?: string }>('/auth/request-reset', { username }, noRefresh)
  return res.data?.message ?? ''
}

export async function resetPassword(token: string, newPassword: string): Promise<void> {
  await http.post('/auth/reset', { token, newPassword }, noRefresh)
}

export async function listApiKeys(signal?: AbortSignal): Promise<ApiKey[]> {
  return (await http.get<ApiKey[]>('/auth/api-keys', { signal })).data
}

export async function createApiKey(name: string, expiresAt: string | null): Promise<CreatedApiKey> {
  return (await http.post<CreatedApiKey>('/auth/api-keys', { name, expiresAt })).data
}

export async function revokeApiKey(id: string): Promise<void> {
  await http.delete(`/auth/api-keys/${encodeURIComponent(id)}`)
}
