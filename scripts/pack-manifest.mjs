// prepack / postpack of each published package: makes the package.json inside the tarball the published one,
// whichever client packs it.
//
// In the workspace, `exports` point at src/*.ts (tests, examples and type-checks run on the sources, no build
// needed) and dependencies on sibling packages are `workspace:^`. pnpm pack/publish replace both (publishConfig,
// workspace ranges) in the tarball, but npm pack/publish ignore publishConfig.exports and ship `workspace:` ranges,
// which no client can install. So prepack rewrites package.json on disk: `exports` (and any other field) from
// publishConfig, every `workspace:` range to the sibling's current version (`workspace:^` -> `^0.1.0`, as pnpm
// does), only the install scripts, and keeps the original beside it; postpack puts the original back. A rewrite left behind by an
// interrupted pack is undone by the next prepack before it starts, and `pnpm install` never sees it (the original is
// restored as soon as the tarball is written).
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const dir = process.cwd()
const manifestPath = join(dir, "package.json")
const backupPath = join(dir, ".package.json.prepack")
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..")

const siblings = () => {
  const versions = new Map()
  for (const name of readdirSync(join(workspaceRoot, "packages"))) {
    const file = join(workspaceRoot, "packages", name, "package.json")
    if (!existsSync(file)) continue
    const manifest = JSON.parse(readFileSync(file === manifestPath && existsSync(backupPath) ? backupPath : file, "utf8"))
    versions.set(manifest.name, manifest.version)
  }
  return versions
}

const resolveRange = (name, range, versions) => {
  const spec = range.slice("workspace:".length)
  const version = versions.get(name)
  if (version === undefined) throw new Error(`${name}: ${range} names no package of this workspace`)
  if (spec === "*" || spec === "") return version
  if (spec === "^" || spec === "~") return `${spec}${version}`
  return spec
}

const mode = process.argv[2]
if (mode === "prepack") {
  if (existsSync(backupPath)) renameSync(backupPath, manifestPath)
  const text = readFileSync(manifestPath, "utf8")
  const manifest = JSON.parse(text)
  const versions = siblings()
  const { publishConfig = {}, ...rest } = manifest
  const { access, provenance, registry, tag, directory, ...fields } = publishConfig
  const published = { ...rest, ...fields, publishConfig: { access, provenance, registry, tag, directory } }
  // only the scripts an installed package runs: the others name files that are not in the tarball
  const installScripts = Object.entries(published.scripts ?? {}).filter(([name]) => /^(pre|post)?install$/.test(name))
  if (installScripts.length > 0) published.scripts = Object.fromEntries(installScripts)
  else delete published.scripts
  for (const key of ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"]) {
    for (const [name, range] of Object.entries(published[key] ?? {})) {
      if (typeof range === "string" && range.startsWith("workspace:")) {
        published[key][name] = resolveRange(name, range, versions)
      }
    }
  }
  writeFileSync(backupPath, text)
  writeFileSync(manifestPath, `${JSON.stringify(published, null, 2)}\n`)
} else if (mode === "postpack") {
  if (existsSync(backupPath)) renameSync(backupPath, manifestPath)
} else {
  console.error("usage: node pack-manifest.mjs prepack|postpack")
  process.exit(2)
}
