import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'

/**
 * Local-mode users. Passwords are stored as `scrypt$N$r$p$salt$hash` (base64url parts),
 * never in plain text; `npm run hash-password -- <password>` makes one.
 */
export const UserRecordSchema = Type.Object({
  username: Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  permissions: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
  passwordHash: Type.String({ pattern: '^scrypt\\$[0-9]+\\$[0-9]+\\$[0-9]+\\$[A-Za-z0-9_-]+\\$[A-Za-z0-9_-]+$' })
}, { additionalProperties: false })
export type UserRecord = Static<typeof UserRecordSchema>

const UsersFile = Compile(Type.Array(UserRecordSchema, { minItems: 1 }))

/** The demo users of the contract (outside production, without USERS_FILE). */
export const demoUsers: readonly UserRecord[] = Object.freeze([
  {
    username: 'alice',
    name: 'Alice',
    permissions: ['notify:send', 'join:private-staff'],
    passwordHash: 'scrypt$16384$8$1$fIYLOrSTHejsVsextZhGsg$spekma54CpZazpDnpfU2j6Jf_U1GBWj7xkESqRty4Ik' // wonderland
  },
  {
    username: 'bob',
    name: 'Bob',
    permissions: [],
    passwordHash: 'scrypt$16384$8$1$4I-aq9tlrO3e4ac3HvfC_Q$doTvHEKI5uVKxmoEsg3TGCcYWNo1wGQuuYQAasg4WK8' // builder
  }
])

/** Reads USERS_FILE at start; any problem is a configuration error naming the variable. */
export function loadUsersFile (path: string): UserRecord[] {
  let data: unknown
  try {
    data = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new Error(`USERS_FILE could not be read as JSON (${(error as Error).message.split('\n')[0]})`, { cause: error })
  }
  if (!UsersFile.Check(data)) {
    const first = [...UsersFile.Errors(data)][0]
    throw new Error(`USERS_FILE is not a list of { username, name, permissions, passwordHash } (${first?.instancePath ?? ''} ${first?.message ?? ''})`.trim())
  }
  return data
}

const KEY_LENGTH = 32
const DEFAULT_COST = { N: 16384, r: 8, p: 1 }

function scrypt (password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, length, options, (error, key) => error !== null ? reject(error) : resolve(key))
  })
}

export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scrypt(password, salt, KEY_LENGTH, { ...DEFAULT_COST, maxmem: 64 * 1024 * 1024 })
  return ['scrypt', DEFAULT_COST.N, DEFAULT_COST.r, DEFAULT_COST.p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split('$')
  const expected = Buffer.from(hash ?? '', 'base64url')
  const actual = await scrypt(password, Buffer.from(salt ?? '', 'base64url'), expected.length || KEY_LENGTH, {
    N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024
  })
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** Hashed against when the user is unknown, so that answer takes as long as a wrong password. */
const DUMMY_HASH = demoUsers[0]?.passwordHash ?? ''

export type CheckCredentials = (username: string, password: string) => Promise<UserRecord | undefined>

/** The same work and the same `undefined` for an unknown user and a wrong password. */
export function createCredentialCheck (users: readonly UserRecord[]): CheckCredentials {
  const byName = new Map(users.map(user => [user.username, user]))
  return async (username, password) => {
    const user = byName.get(username)
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)
    return ok && user !== undefined ? user : undefined
  }
}
