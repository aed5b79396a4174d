import { ref } from 'vue'

const MIN = 60
const MAX = 800

/** Column widths of the preview grid: drag a handle (pointer) or use ←/→ on it (keyboard). */
export function useColumnWidths(initial = 160) {
  const widths = ref<number[]>([])

  /** One width per column; when `available` is given, columns share it (but never get narrower than `initial`). */
  function reset(count: number, available = 0): void {
    const share = count ? Math.floor(available / count) : 0
    const w = Math.min(MAX, Math.max(initial, share))
    widths.value = Array.from({ length: count }, () => w)
  }

  function set(index: number, width: number): void {
    const next = [...widths.value]
    next[index] = Math.round(Math.max(MIN, Math.min(MAX, width)))
    widths.value = next
  }

  function startDrag(index: number, event: PointerEvent): void {
    const startX = event.clientX
    const startWidth = widths.value[index] ?? initial
    const target = event.currentTarget as HTMLElement
    target.setPointerCapture?.(event.pointerId)
    const move = (e: PointerEvent) => set(index, startWidth + e.clientX - startX)
    const up = () => {
      target.removeEventListener('pointermove', move)
      target.removeEventListener('pointerup', up)
      target.removeEventListener('pointercancel', up)
    }
    target.addEventListener('pointermove', move)
    target.addEventListener('pointerup', up)
    target.addEventListener('pointercancel', up)
  }

  function onKey(index: number, event: KeyboardEvent): void {
    const step = event.shiftKey ? 64 : 16
    if (event.key === 'ArrowLeft') set(index, (widths.value[index] ?? initial) - step)
    else if (event.key === 'ArrowRight') set(index, (widths.value[index] ?? initial) + step)
    else return
    event.preventDefault()
  }

  return { widths, reset, set, startDrag, onKey, MIN, MAX }
}
