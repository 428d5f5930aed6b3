// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time and total (inclusive) time by function, so a
// profile can be read without Chrome DevTools. Usage: node src/profile.ts FILE.cpuprofile [TOP]
import { readFileSync } from "node:fs"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}
interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const label = (frame: CallFrame): string => {
  const file = frame.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "~/").replace(/^.*\/packages\//, "packages/")
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`
}

export const summarise = (profile: CpuProfile, top: number): string => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const selfMicros = new Map<string, number>()
  const totalMicros = new Map<string, number>()
  let all = 0
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0
    all += micros
    const leaf = byId.get(id)
    if (leaf === undefined) return
    const self = label(leaf.callFrame)
    selfMicros.set(self, (selfMicros.get(self) ?? 0) + micros)
    // a function counts once per sample however deep its recursion
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!.callFrame)
      if (seen.has(name)) continue
      seen.add(name)
      totalMicros.set(name, (totalMicros.get(name) ?? 0) + micros)
    }
  })
  const table = (title: string, map: Map<string, number>) =>
    [`${title} (of ${(all / 1000).toFixed(0)} ms sampled)`, ...[...map].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([name, micros]) => `${((100 * micros) / all).toFixed(1).padStart(5)}%  ${name}`)].join("\n")
  return `${table("self time", selfMicros)}\n\n${table("total time", totalMicros)}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]
  if (file === undefined) {
    console.error("usage: node src/profile.ts FILE.cpuprofile [TOP]")
    process.exit(2)
  }
  console.log(summarise(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number(process.argv[3] ?? 30)))
}
