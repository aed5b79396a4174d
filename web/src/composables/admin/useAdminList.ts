import { computed, onBeforeUnmount, reactive, ref, shallowRef, watch, type Ref } from 'vue'
import { isCancel } from 'axios'
import { toUserMessage } from '@/api/problem'
import type { Page, PageQuery, SortDir } from '@/api/adminTypes'

export interface SortState<S extends string = string> {
  sort: S | null
  dir: SortDir
}

export interface AdminListOptions<F extends object, S extends string> {
  /** Initial (and "clear filters") values; every key is sent as a query parameter when not empty. */
  filters: F
  pageSize?: number
  sort?: SortState<S>
  /** Wait this long after the last filter change before asking the server (typing in a search box). */
  debounceMs?: number
  /** Load at once (default); false waits for the first reload(). */
  immediate?: boolean
}

export type ListFetcher<T, Q> = (query: Q, signal: AbortSignal) => Promise<Page<T>>

/**
 * One server-side paged list: page, page size, sort and filters → `{ items, total }`. Filter changes are debounced
 * and go back to page 1; every new request aborts the one in flight, and an answer that arrives after a newer
 * request started is dropped (the list never shows results of an older query).
 */
export function useAdminList<T, F extends object, S extends string = string>(
  fetcher: ListFetcher<T, F & PageQuery<S>>,
  options: AdminListOptions<F, S>,
) {
  const initial = { ...options.filters }
  const filters = reactive({ ...options.filters }) as F
  const items = shallowRef<T[]>([])
  const total = ref(0)
  const page = ref(1)
  const pageSize = ref(options.pageSize ?? 25)
  const sort = ref(options.sort ?? { sort: null, dir: 'asc' }) as Ref<SortState<S>>
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / pageSize.value)))
  const debounceMs = options.debounceMs ?? 300

  let controller: AbortController | null = null
  let generation = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  function query(): F & PageQuery<S> {
    return { ...filters, page: page.value, pageSize: pageSize.value, sort: sort.value.sort, dir: sort.value.dir }
  }

  async function load(): Promise<void> {
    clearTimeout(timer)
    controller?.abort()
    const mine = (controller = new AbortController())
    const gen = ++generation
    loading.value = true
    error.value = null
    try {
      const res = await fetcher(query(), mine.signal)
      if (gen !== generation) return
      items.value = res.items
      total.value = res.total
      loaded.value = true
      // The list shrank under us (e.g. the last row of the last page was deleted): step back to a page that exists.
      if (!res.items.length && res.total > 0 && page.value > 1) {
        page.value = Math.max(1, Math.ceil(res.total / pageSize.value))
        void load()
      }
    } catch (err) {
      if (gen === generation && !isCancel(err) && !mine.signal.aborted) error.value = toUserMessage(err)
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** Reload now with the current page, sort and filters. */
  const reload = () => load()

  function setPage(next: number): Promise<void> {
    page.value = Math.min(Math.max(1, Math.floor(next)), pageCount.value)
    return load()
  }

  function setPageSize(next: number): Promise<void> {
    pageSize.value = next
    page.value = 1
    return load()
  }

  function setSort(next: SortState<S>): Promise<void> {
    sort.value = next
    page.value = 1
    return load()
  }

  /** asc → desc → unsorted, like the other tables. */
  function toggleSort(field: S): Promise<void> {
    const current = sort.value
    if (current.sort !== field) return setSort({ sort: field, dir: 'asc' })
    return setSort(current.dir === 'asc' ? { sort: field, dir: 'desc' } : { sort: null, dir: 'asc' })
  }

  function resetFilters(): void {
    Object.assign(filters, initial)
  }

  /** Replace one row in place after an action answered with the updated item. */
  function replaceItem(match: (item: T) => boolean, next: T): void {
    items.value = items.value.map((i) => (match(i) ? next : i))
  }

  watch(
    () => ({ ...filters }),
    () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        page.value = 1
        void load()
      }, debounceMs)
    },
    { deep: true },
  )

  onBeforeUnmount(() => {
    clearTimeout(timer)
    generation++
    controller?.abort()
  })

  if (options.immediate !== false) void load()

  return { items, total, page, pageSize, pageCount, sort, filters, loading, loaded, error, reload, setPage, setPageSize, setSort, toggleSort, resetFilters, replaceItem, query }
}

export type AdminList<T, F extends object = object, S extends string = string> = ReturnType<typeof useAdminList<T, F, S>>

/** The part of a list that ListFrame shows and drives: loading/error state, count, paging and retry. */
export type AdminListFrame = Pick<
  AdminList<unknown>,
  'items' | 'total' | 'page' | 'pageSize' | 'pageCount' | 'loading' | 'loaded' | 'error' | 'reload' | 'setPage' | 'setPageSize'
>
