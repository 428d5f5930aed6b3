// Prints the tables (and the targets, as this version of the benchmark checks them) of a results file again:
//   node src/table.ts results/bench-<date>.json
import { readFileSync } from "node:fs"
import { type Results, table } from "./Report.ts"

const file = process.argv[2]
if (file === undefined) {
  console.error("usage: node src/table.ts RESULTS.json")
  process.exitCode = 2
} else {
  // files written before `problems` existed lack it
  console.log(table({ problems: [], ...(JSON.parse(readFileSync(file, "utf8")) as Omit<Results, "problems">) }))
}
