// The page-weight benchmark (bench/weight.mjs, run by `scripts/bench.sh weight`) fails
// when the home page's first load is over its 350 KB budget, and says so. Its verdict
// is checked here on fixed figures (measuring needs the release build).
import { test, expect } from "@playwright/test";
import { spawnSync } from "child_process";
import * as path from "path";

function verdict(bytes: number, budget?: string) {
  const env = { ...process.env };
  delete env.HOME_BUDGET_KB;
  if (budget) env.HOME_BUDGET_KB = budget;
  const run = spawnSync(process.execPath, ["bench/weight.mjs", "--check-home", String(bytes)], { cwd: path.join(__dirname, ".."), encoding: "utf8", env });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

test("the page-weight benchmark fails over the home page's 350 KB budget, saying so", () => {
  const limit = 350 * 1024;
  const at = verdict(limit);
  expect(at.code).toBe(0);
  expect(at.out).toContain("within the 350 KB budget");
  const over = verdict(limit + 1);
  expect(over.code).toBe(1);
  expect(over.err).toContain("FAILED: the home page's first load is 350.0 KB (358401 bytes), over the 350 KB budget (358400 bytes) by 1 bytes");
  expect(verdict(123.5 * 1024).code, "the release build as measured").toBe(0);
  expect(verdict(550.5 * 1024).code, "the debug build").toBe(1);
  expect(verdict(550.5 * 1024, "off").code, "BUILD=dev only reports").toBe(0);
  expect(verdict(limit + 1, "400").code, "HOME_BUDGET_KB sets another budget").toBe(0);
});
