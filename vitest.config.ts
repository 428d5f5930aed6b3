import { existsSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig, type Plugin } from "vitest/config"

const root = dirname(fileURLToPath(import.meta.url))
// The shared conformance suite lives outside this repository (../shared/conformance) and imports our packages by
// name. Resolve the bare imports of files outside the repository as if they were imported from inside it, so they
// get the very same module instances as our own tests, without copying the suite in.
const conformanceDir = process.env.EFFECT_ZMQ_CONFORMANCE ?? resolve(root, "../shared/conformance")
const anchor = join(root, "test", "index.ts")

const resolveFromRepo: Plugin = {
  name: "effect-zmq:resolve-outside-imports",
  enforce: "pre",
  async resolveId(source, importer, options) {
    if (importer === undefined || importer.startsWith(root) || source.startsWith(".") || source.startsWith("/")) {
      return null
    }
    if (source.startsWith("\0") || source.includes(":")) return null
    return this.resolve(source, anchor, { ...options, skipSelf: true })
  }
}

const common = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // a test must not pass while a promise rejection goes unhandled
  dangerouslyIgnoreUnhandledErrors: false
}

// .ci/run sets EFFECT_ZMQ_REPORT to collect the counts of every run in one JSON file per run
const report = process.env.EFFECT_ZMQ_REPORT

export default defineConfig({
  plugins: [resolveFromRepo],
  server: { fs: { allow: [root, conformanceDir] } },
  test: {
    reporters: report === undefined ? ["default"] : ["default", ["json", { outputFile: report }]],
    projects: [
      {
        test: { ...common, name: "unit", include: ["packages/*/test/**/*.test.ts"] }
      },
      {
        test: { ...common, name: "integration", include: ["test/**/*.test.ts"] }
      },
      ...(existsSync(conformanceDir)
        ? [{
            server: { fs: { allow: [root, conformanceDir] } },
          test: { ...common, name: "conformance", root: conformanceDir, dir: conformanceDir, include: ["**/*.test.ts"] }
        }]
        : [])
    ]
  }
})
