import { defineStore } from 'pinia'
import { ref } from 'vue'

export type ToastKind = 'info' | 'success' | 'warning' | 'error'

export interface Toast {
  id: number
  kind: ToastKind
  message: string
  title?: string
}

const DEFAULT_MS: Record<ToastKind, number> = { info: 5000, success: 4000, warning: 7000, error: 8000 }
const MAX_VISIBLE = 4

export const useToastStore = defineStore('toasts', () => {
  const items = ref<Toast[]>([])
  let nextId = 1
  const timers = new Map<number, ReturnType<typeof setTimeout>>()

  function dismiss(id: number): void {
    items.value = items.value.filter((t) => t.id !== id)
    const timer = timers.get(id)
    if (timer) clearTimeout(timer)
    timers.delete(id)
  }

  function push(kind: ToastKind, message: string, options: { title?: string; timeoutMs?: number } = {}): number {
    // The same message twice in a row (e.g. a burst of failing requests) shows once.
    const same = items.value.find((t) => t.kind === kind && t.message === message)
    if (same) return same.id
    const id = nextId++
    items.value = [...items.value, { id, kind, message, title: options.title }].slice(-MAX_VISIBLE)
    const ms = options.timeoutMs ?? DEFAULT_MS[kind]
    if (ms > 0) timers.set(id, setTimeout(() => dismiss(id), ms))
    return id
  }

  return {
    items,
    push,
    dismiss,
    info: (m: string, o?: { title?: string }) => push('info', m, o),
    success: (m: string, o?: { title?: string }) => push('success', m, o),
    warning: (m: string, o?: { title?: string }) => push('warning', m, o),
    error: (m: string, o?: { title?: string }) => push('error', m, o),
  }
})
