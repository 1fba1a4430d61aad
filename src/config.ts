import { randomBytes } from 'node:crypto'
import envSchema from 'env-schema'
import { Type, type Static } from 'typebox'
import { demoUsers, loadUsersFile, type UserRecord } from './auth/users.js'

/** A configuration problem: the process prints `message` (one line) and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
const LogLevel = Type.Union(LOG_LEVELS.map(level => Type.Literal(level)), { default: 'info' })

/** Section 2 of the contract, as a schema. Empty strings count as unset. */
export const EnvSchema = Type.Object({
  NODE_ENV: Type.Optional(Type.String()),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  AUTH_MODE: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('auth0')])),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_EXPIRES_IN: Type.String({ pattern: '^[1-9][0-9]*[smhd]?$', default: '15m' }),
  AUTH0_DOMAIN: Type.Optional(Type.String({ pattern: '^(https?://)?[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$' })),
  AUTH0_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  AUTH0_CLIENT_ID: Type.Optional(Type.String({ minLength: 1 })),
  AUTH0_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  CORS_ORIGINS: Type.Optional(Type.String()),
  USERS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_KEY_PREFIX: Type.String({ pattern: '^[A-Za-z0-9:_.-]{0,64}$', default: '' }),
  REVOCATION_FAIL_MODE: Type.Union([Type.Literal('closed'), Type.Literal('open')], { default: 'closed' }),
  TRUST_PROXY: Type.Optional(Type.String()),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  LOG_LEVEL: LogLevel
})
export type Env = Static<typeof EnvSchema>

export type LogLevelName = typeof LOG_LEVELS[number]

export interface LocalAuthConfig {
  mode: 'local'
  /** HS256 secret, at least 32 characters. */
  secret: string
  /** True when no JWT_SECRET was given and a random one was made for this start. */
  secretGenerated: boolean
  /** Lifetime of tokens from POST /login, in seconds. */
  expiresInSec: number
  users: readonly UserRecord[]
}

export interface Auth0Config {
  mode: 'auth0'
  domain: string
  /** `https://<domain>/`, with the trailing slash Auth0 puts in `iss`. */
  issuer: string
  /** Always `<issuer>.well-known/jwks.json`: never a URL taken from a token. */
  jwksUrl: string
  audience: string
  clientId?: string
  clientSecret?: string
}

/** Knobs the environment does not set; tests and benchmarks override them. */
export interface Limits {
  /** Leeway for `exp`/`nbf`, seconds (the contract allows at most 5). */
  clockToleranceSec: number
  /** Tokens longer than this are refused before decoding. */
  maxTokenBytes: number
  /** POST /login and POST /token/refresh: requests per IP per window. */
  loginRateLimit: { max: number, timeWindowMs: number }
  /** Socket.IO `maxHttpBufferSize`: larger packets close that connection only. */
  maxPacketBytes: number
  /** How long a client may take to finish the Socket.IO handshake. */
  connectTimeoutMs: number
  /** `auth:expiring` is sent this long before `exp`. */
  expiringNoticeSec: number
  /** Per-socket token bucket for client events. */
  socketRate: { burst: number, perSecond: number }
  /** JWKS: fetch timeout, cache lifetime, and the pause after a fetch that did not know a `kid`. */
  jwks: { timeoutMs: number, cacheTtlMs: number, unknownKidCooldownMs: number }
  /** Verified tokens reused without a second signature check (src/auth/verifier.ts): how many, for how long at most. */
  verifiedTokens: { max: number, ttlMs: number }
  /** Bound on cross-node adapter queries (presence). */
  adapterTimeoutMs: number
  /** Redis: how long a command may take, and the longest pause between reconnection attempts. */
  redis: { commandTimeoutMs: number, reconnectMaxDelayMs: number }
}

export interface AppConfig {
  production: boolean
  port: number
  host: string
  auth: LocalAuthConfig | Auth0Config
  /** Origins allowed besides the server's own, for HTTP and Socket.IO. */
  corsOrigins: readonly string[]
  redisUrl?: string
  /** Put before every Redis key and channel of this server (`<prefix>socket.io`, `<prefix>revoked:<id>`). */
  redisKeyPrefix: string
  /** When Redis cannot say whether a token was revoked: `closed` refuses it, `open` accepts it. */
  revocationFailMode: 'closed' | 'open'
  trustProxy: boolean | string
  /** When set, GET /metrics needs it as a Bearer token. */
  metricsToken?: string
  logLevel: LogLevelName
  limits: Limits
  /** Non-fatal notes for the log at start (never secrets). */
  warnings: readonly string[]
}

export const defaultLimits: Limits = {
  clockToleranceSec: 5,
  maxTokenBytes: 8192,
  loginRateLimit: { max: 10, timeWindowMs: 60_000 },
  maxPacketBytes: 64 * 1024,
  connectTimeoutMs: 10_000,
  expiringNoticeSec: 30,
  socketRate: { burst: 20, perSecond: 5 },
  jwks: { timeoutMs: 5000, cacheTtlMs: 10 * 60_000, unknownKidCooldownMs: 10_000 },
  verifiedTokens: { max: 10_000, ttlMs: 60_000 },
  adapterTimeoutMs: 2000,
  redis: { commandTimeoutMs: 1000, reconnectMaxDelayMs: 5000 }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** `90s`, `15m`, `2h`, `1d` or plain seconds. */
export function parseDuration (value: string): number {
  const match = /^([1-9][0-9]*)([smhd]?)$/.exec(value)
  if (match === null) throw new ConfigError(`JWT_EXPIRES_IN must look like 90s, 15m, 2h or a number of seconds (got "${value}")`)
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1)
}

/** `example.eu.auth0.com` → `https://example.eu.auth0.com/`; a full origin keeps its scheme. */
export function issuerFromDomain (domain: string): string {
  const withScheme = /^https?:\/\//.test(domain) ? domain : `https://${domain}`
  return new URL(withScheme).origin + '/'
}

/** `true`/`false`, or the proxy addresses/CIDRs to trust (comma-separated). */
function parseTrustProxy (value: string | undefined): boolean | string {
  if (value === undefined || value === 'false' || value === '0') return false
  if (value === 'true' || value === '1') return true
  return value
}

function clean (env: Record<string, string | undefined>): Record<string, string> {
  const data: Record<string, string> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value.trim() !== '') data[key] = value.trim()
  }
  return data
}

interface AjvLikeError { instancePath?: string, message?: string, params?: { missingProperty?: string, allowedValue?: unknown } }

function describe (error: unknown): string {
  const first = (error as { errors?: AjvLikeError[] }).errors?.[0]
  if (first === undefined) return String((error as Error).message)
  const name = first.params?.missingProperty ?? first.instancePath?.replace(/^\//, '') ?? 'configuration'
  if (name === 'LOG_LEVEL') return `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`
  if (name === 'AUTH_MODE') return 'AUTH_MODE must be "local" or "auth0"'
  if (name === 'AUTH0_DOMAIN') return 'AUTH0_DOMAIN must be a tenant domain (example.eu.auth0.com) or an origin (https://host:port)'
  if (name === 'REDIS_URL') return 'REDIS_URL must start with redis:// or rediss://'
  if (name === 'REDIS_KEY_PREFIX') return 'REDIS_KEY_PREFIX must be at most 64 letters, digits or : _ . -'
  if (name === 'REVOCATION_FAIL_MODE') return 'REVOCATION_FAIL_MODE must be "closed" or "open"'
  if (name === 'JWT_SECRET') return 'JWT_SECRET must be at least 32 characters'
  if (name === 'METRICS_TOKEN') return 'METRICS_TOKEN must be at least 16 characters'
  if (name === 'JWT_EXPIRES_IN') return 'JWT_EXPIRES_IN must look like 90s, 15m, 2h or a number of seconds'
  return `${name} ${first.message ?? 'is invalid'}`
}

/**
 * Reads and checks the configuration from an environment-like object (never `process.env` itself,
 * so tests can pass any). Throws ConfigError with a one-line message naming the variable.
 */
export function loadConfig (env: Record<string, string | undefined>, limits: Partial<Limits> = {}): AppConfig {
  let parsed: Env
  try {
    parsed = envSchema<Env>({ schema: EnvSchema, data: clean(env), env: false, dotenv: false })
  } catch (error) {
    throw new ConfigError(describe(error))
  }

  const production = parsed.NODE_ENV === 'production'
  const mode = parsed.AUTH_MODE ?? (parsed.AUTH0_DOMAIN !== undefined ? 'auth0' : 'local')
  const warnings: string[] = []

  const corsOrigins = (parsed.CORS_ORIGINS ?? '').split(',').map(o => o.trim()).filter(o => o !== '')
  for (const origin of corsOrigins) {
    if (origin === '*') {
      if (production) throw new ConfigError('CORS_ORIGINS must not be * when NODE_ENV=production: list the allowed origins')
      continue
    }
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`CORS_ORIGINS entries must be origins like https://app.example.com (got "${origin}")`)
  }

  let auth: AppConfig['auth']
  if (mode === 'auth0') {
    if (parsed.AUTH0_DOMAIN === undefined) throw new ConfigError('AUTH0_DOMAIN is required when AUTH_MODE=auth0')
    if (parsed.AUTH0_AUDIENCE === undefined) throw new ConfigError('AUTH0_AUDIENCE is required in auth0 mode (the API identifier that tokens must carry in aud)')
    const issuer = issuerFromDomain(parsed.AUTH0_DOMAIN)
    if (production && issuer.startsWith('http://')) throw new ConfigError('AUTH0_DOMAIN must use https when NODE_ENV=production')
    if ((parsed.AUTH0_CLIENT_SECRET !== undefined) && parsed.AUTH0_CLIENT_ID === undefined) {
      throw new ConfigError('AUTH0_CLIENT_ID is required when AUTH0_CLIENT_SECRET is set')
    }
    auth = {
      mode,
      domain: new URL(issuer).host,
      issuer,
      jwksUrl: `${issuer}.well-known/jwks.json`,
      audience: parsed.AUTH0_AUDIENCE,
      clientId: parsed.AUTH0_CLIENT_ID,
      clientSecret: parsed.AUTH0_CLIENT_SECRET
    }
  } else {
    let secret = parsed.JWT_SECRET
    const secretGenerated = secret === undefined
    if (secret === undefined) {
      if (production) throw new ConfigError('JWT_SECRET is required when NODE_ENV=production (at least 32 random characters)')
      secret = randomBytes(32).toString('base64url')
      warnings.push('JWT_SECRET is not set: using a random secret for this start; tokens will not survive a restart')
    }
    let users: readonly UserRecord[]
    if (parsed.USERS_FILE !== undefined) {
      try {
        users = loadUsersFile(parsed.USERS_FILE)
      } catch (error) {
        throw new ConfigError((error as Error).message)
      }
    } else {
      if (production) throw new ConfigError('USERS_FILE is required when NODE_ENV=production in local mode (the demo users exist only outside production)')
      users = demoUsers
      warnings.push('USERS_FILE is not set: the demo users alice and bob can log in')
    }
    auth = { mode: 'local', secret, secretGenerated, expiresInSec: parseDuration(parsed.JWT_EXPIRES_IN), users }
  }

  return {
    production,
    port: parsed.PORT,
    host: parsed.HOST,
    auth,
    corsOrigins,
    redisUrl: parsed.REDIS_URL,
    redisKeyPrefix: parsed.REDIS_KEY_PREFIX,
    revocationFailMode: parsed.REVOCATION_FAIL_MODE,
    trustProxy: parseTrustProxy(parsed.TRUST_PROXY),
    metricsToken: parsed.METRICS_TOKEN,
    logLevel: parsed.LOG_LEVEL,
    limits: { ...defaultLimits, ...limits },
    warnings
  }
}
