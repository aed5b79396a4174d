// The row actions of the Users tab: which apply to an account, and exactly what each will do (confirmation text).
import type { AdminUser } from '@/api/adminTypes'
import { isLockedNow } from '@/composables/admin/format'

export type UserActionKind =
  | 'promote'
  | 'demote'
  | 'activate'
  | 'deactivate'
  | 'lock'
  | 'unlock'
  | 'reset-token'
  | 'sign-out'
  | 'delete'

export interface UserActionRequest {
  kind: UserActionKind
  user: AdminUser
}

export interface ActionCopy {
  /** Menu entry. */
  label: string
  title: string
  description: string
  confirmLabel: string
  danger: boolean
  /** Toast after success. */
  done: string
}

/** Changes that reduce the account's own access: the server refuses them for yourself (409), so the menu does too. */
const SELF_BLOCKED = new Set<UserActionKind>(['demote', 'deactivate', 'lock', 'delete'])

/** The actions offered for `user`, in menu order; `self` is the signed-in admin's id. */
export function actionsFor(user: AdminUser, self: string | null | undefined): { kind: UserActionKind; disabledReason: string | null }[] {
  const kinds: UserActionKind[] = [
    user.role === 'admin' ? 'demote' : 'promote',
    user.isActive ? 'deactivate' : 'activate',
    isLockedNow(user) ? 'unlock' : 'lock',
    'reset-token',
    'sign-out',
    'delete',
  ]
  return kinds.map((kind) => ({
    kind,
    disabledReason: user.id === self && SELF_BLOCKED.has(kind) ? 'Not possible on your own account.' : null,
  }))
}

export function describeAction(kind: UserActionKind, user: AdminUser): ActionCopy {
  const name = `“${user.username}”`
  switch (kind) {
    case 'promote':
      return {
        label: 'Make administrator',
        title: `Make ${name} an administrator?`,
        description: `${user.username} can then manage every account, read the audit and operations logs and change settings. The change is audited.`,
        confirmLabel: 'Make administrator',
        danger: false,
        done: `${user.username} is now an administrator.`,
      }
    case 'demote':
      return {
        label: 'Remove administrator role',
        title: `Remove the administrator role from ${name}?`,
        description: `${user.username} becomes a normal user at once and is signed out on every device. Their account and workspace stay as they are.`,
        confirmLabel: 'Remove administrator role',
        danger: true,
        done: `${user.username} is now a normal user.`,
      }
    case 'activate':
      return {
        label: 'Activate account',
        title: `Activate ${name}?`,
        description: `${user.username} can sign in again with their current password.`,
        confirmLabel: 'Activate',
        danger: false,
        done: `${user.username} is active again.`,
      }
    case 'deactivate':
      return {
        label: 'Deactivate account',
        title: `Deactivate ${name}?`,
        description: `${user.username} is signed out on every device and cannot sign in until you activate the account again. Nothing is deleted.`,
        confirmLabel: 'Deactivate',
        danger: true,
        done: `${user.username} is deactivated.`,
      }
    case 'lock':
      return {
        label: 'Lock account…',
        title: `Lock ${name}?`,
        description: `${user.username} is signed out on every device and cannot sign in until an administrator unlocks the account. The reason is kept in the audit log.`,
        confirmLabel: 'Lock account',
        danger: true,
        done: `${user.username} is locked.`,
      }
    case 'unlock':
      return {
        label: 'Unlock account',
        title: `Unlock ${name}?`,
        description: `${user.username} can sign in again; the count of failed sign-ins starts from zero.`,
        confirmLabel: 'Unlock',
        danger: false,
        done: `${user.username} is unlocked.`,
      }
    case 'reset-token':
      return user.pendingSetup
        ? {
            label: 'Issue new setup token',
            title: `Issue a new setup token for ${name}?`,
            description: `A new single-use setup link is created and shown to you once; earlier setup links stop working. ${user.username} uses it to choose a password.`,
            confirmLabel: 'Issue token',
            danger: false,
            done: `New setup token issued for ${user.username}.`,
          }
        : {
            label: 'Issue reset token',
            title: `Issue a password reset token for ${name}?`,
            description: `A single-use reset link is created and shown to you once. ${user.username} uses it to choose a new password; the current password works until then.`,
            confirmLabel: 'Issue token',
            danger: false,
            done: `Reset token issued for ${user.username}.`,
          }
    case 'sign-out':
      return {
        label: 'Sign out everywhere',
        title: `Sign ${name} out everywhere?`,
        description: `Every sign-in session of ${user.username} ends now; they must sign in again on each device. The account and its data stay as they are.`,
        confirmLabel: 'Sign out everywhere',
        danger: true,
        done: `${user.username} is signed out everywhere.`,
      }
    case 'delete':
      return {
        label: 'Delete user…',
        title: `Delete ${name}?`,
        description: `${user.username} can no longer sign in and every session ends at once. The username stays reserved and the audit trail is kept; their workspace data is removed by the retention job. This cannot be undone here.`,
        confirmLabel: 'Delete user',
        danger: true,
        done: `${user.username} is deleted.`,
      }
  }
}
