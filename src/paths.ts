import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The folder holding package.json: the same from src/ under tsx and from dist/src/ after a build. */
function findPackageRoot (from: string): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}`)
    dir = parent
  }
  return dir
}

export const packageRoot = findPackageRoot(import.meta.dirname)
export const publicDir = join(packageRoot, 'public')
