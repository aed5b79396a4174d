export type StrengthLevel = 'none' | 'weak' | 'fair' | 'good' | 'strong'

export interface Strength {
  /** 0–100, the spec's scoring: length ≥ 8 +30, uppercase +20, digit +20, special character +30. */
  score: number
  level: StrengthLevel
  label: string
}

const LABELS: Record<StrengthLevel, string> = { none: '', weak: 'Weak', fair: 'Fair', good: 'Good', strong: 'Strong' }

export function scorePassword(password: string, minLength = 8): number {
  let score = 0
  if (password.length >= minLength) score += 30
  if (/[A-Z]/.test(password)) score += 20
  if (/\d/.test(password)) score += 20
  if (/[^A-Za-z0-9]/.test(password)) score += 30
  return score
}

/**
 * Advice only: the server is the authority (8–128 characters, not a common password).
 * A password shorter than the minimum is always Weak, whatever else it contains; one of the
 * recommended length or more is at least Good.
 */
export function passwordStrength(password: string, minLength = 8, recommendedLength = 15): Strength {
  if (!password) return { score: 0, level: 'none', label: LABELS.none }
  const score = scorePassword(password, minLength)
  let level: StrengthLevel
  if (password.length < minLength || score < 50) level = 'weak'
  else if (score < 80) level = 'fair'
  else if (score < 100) level = 'good'
  else level = 'strong'
  // A long passphrase is strong without symbols (NIST 800-63B); never call it weak.
  if (password.length >= recommendedLength && (level === 'weak' || level === 'fair')) level = 'good'
  return { score, level, label: LABELS[level] }
}
