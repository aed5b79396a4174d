/** Up to two initials for the avatar: "jane.doe" → "JD", "Admin" → "AD", "Ana María" → "AM". */
export function initialsOf(name: string | null | undefined): string {
  const clean = (name ?? '').trim()
  if (!clean) return '?'
  const parts = clean.split(/[\s._@-]+/).filter(Boolean)
  if (parts.length >= 2) return (firstChar(parts[0]!) + firstChar(parts[1]!)).toUpperCase()
  return Array.from(clean).slice(0, 2).join('').toUpperCase()
}

function firstChar(s: string): string {
  return Array.from(s)[0] ?? ''
}
