// `npm run hash-password -- <password>`: prints a passwordHash for USERS_FILE.
import { hashPassword } from './auth/users.js'

const password = process.argv[2]
if (password === undefined || password === '') {
  process.stderr.write('usage: npm run hash-password -- <password>\n')
  process.exit(1)
}
process.stdout.write(`${await hashPassword(password)}\n`)
