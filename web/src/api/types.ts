// Shapes fixed by the auth API contract (camelCase JSON).
export type Role = 'admin' | 'user'

export interface User {
  id: string
  username: string
  role: Role
  mustChangePassword: boolean
  displayName?: string | null
}

export interface LoginResponse {
  accessToken: string
  expiresIn: number
  user: User
}

export interface PasswordPolicy {
  minLength: number
  maxLength: number
  recommendedLength: number
}

export interface PublicConfig {
  demoMode: boolean
  demoUsername: string | null
  demoPassword: string | null
  passwordPolicy: PasswordPolicy
}

export interface ApiKey {
  id: string
  name: string
  prefix: string
  createdAt: string
  expiresAt: string | null
  lastUsedAt: string | null
}

export interface CreatedApiKey {
  id: string
  name: string
  prefix: string
  createdAt: string
  expiresAt: string | null
  /** The secret: returned once, never again. */
  key: string
}

/** RFC 9457 ProblemDetails as the server sends it. */
export interface ProblemDetails {
  type?: string
  title?: string
  status?: number
  detail?: string
  traceId?: string
  errors?: Record<string, string[]>
}

export const MUST_CHANGE_PASSWORD_TYPE = 'urn:ret:must-change-password'
