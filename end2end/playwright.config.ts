import { defineConfig } from "@playwright/test";

// The server is started by scripts/test.sh (once per database backend), which passes
// its address and a staff login in the environment.
export default defineConfig({
  testDir: "./tests",
  // Hang guards, not speed claims: scripts/test.sh runs the two databases' suites side
  // by side on two cores, and a test then takes up to twice as long.
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  // One folder per run: scripts/test.sh runs the two databases' suites side by side.
  outputDir: process.env.E2E_OUTPUT ?? "test-results",
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    browserName: "chromium",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});
