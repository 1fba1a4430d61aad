import { existsSync } from 'node:fs'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type AppConfig } from './config.js'

// The only place that reads process.env (and .env, when there is one).
if (existsSync('.env')) process.loadEnvFile('.env')

let config: AppConfig
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`Configuration error: ${error.message}\n`)
  process.exit(1)
}

const app = await buildApp(config)
for (const warning of config.warnings) app.log.warn(warning)

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

try {
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  app.log.error({ err: error }, 'could not listen')
  process.exit(1)
}
const address = app.server.address()
const port = typeof address === 'object' && address !== null ? address.port : config.port
app.log.info(`demo client: http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/ (${config.auth.mode} mode)`)
