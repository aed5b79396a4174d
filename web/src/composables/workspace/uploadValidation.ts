import type { Quota } from '@/api/workspaceTypes'
import { formatBytes } from './format'

export const ACCEPTED_EXTENSIONS = ['.zip', '.xml'] as const

export interface RejectedFile {
  name: string
  message: string
}

/**
 * Client-side checks before any byte is sent: the type by name, the per-file cap and the remaining quota
 * (the server checks again; this only spares the user a failed upload).
 */
export function validateFiles(files: File[], quota: Quota | null): { accepted: File[]; rejected: RejectedFile[] } {
  const accepted: File[] = []
  const rejected: RejectedFile[] = []
  let remaining = quota ? Math.max(0, quota.limitBytes - quota.usedBytes) : Infinity
  for (const file of files) {
    const lower = file.name.toLowerCase()
    if (!ACCEPTED_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
      rejected.push({ name: file.name, message: `${file.name}: only .zip and .xml files can be uploaded.` })
    } else if (file.size === 0) {
      rejected.push({ name: file.name, message: `${file.name} is empty.` })
    } else if (quota && file.size > quota.maxFileBytes) {
      rejected.push({
        name: file.name,
        message: `${file.name} is ${formatBytes(file.size)}; the limit per file is ${formatBytes(quota.maxFileBytes)}.`,
      })
    } else if (file.size > remaining) {
      rejected.push({
        name: file.name,
        message: `${file.name} (${formatBytes(file.size)}) does not fit in your storage: ${formatBytes(remaining)} left of ${formatBytes(quota!.limitBytes)}. Delete old sessions in History to free space.`,
      })
    } else {
      accepted.push(file)
      remaining -= file.size
    }
  }
  return { accepted, rejected }
}
