import { test, expect } from "@playwright/test";
import { linkFromMailbox, logIn, mailSubjects, staff, verifiedFan, waitForHydration } from "./helpers";

/** The next whole minute at least `lead` seconds away, as the form's date and time
 * field shows it in Beijing time ("2026-12-06 19:00"), and as a Date. */
function nextOpening(lead: number): { input: string; at: Date } {
  const at = new Date(Math.ceil((Date.now() + lead * 1000) / 60_000) * 60_000);
  const beijing = new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
  return { input: beijing, at };
}

test("a fan goes from the festival invitation to a festival ticket; the button opens itself", async ({ page, browser }) => {
  test.setTimeout(240_000);
  const fan = await verifiedFan(browser, "festival", "杭州", /杭州 Hangzhou/);

  // Staff create the festival, add a session in Hangzhou and invite every city at once.
  await logIn(page, staff.email, staff.password);
  await page.goto("/staff/festival");
  const opening = nextOpening(25);
  await page.getByLabel("Name").fill("E2E 米粉节");
  await page.getByLabel("Festival day").fill("2099/4/6");
  await page.getByLabel("Sign-up opens (Beijing time)").fill(opening.input);
  await page.getByRole("button", { name: "Create festival" }).click();
  await expect(page).toHaveURL(/\/staff\/festival\/\d+$/);
  await waitForHydration(page);
  await page.getByRole("combobox", { name: "Host city" }).fill("杭州");
  await page.getByRole("option", { name: /杭州 Hangzhou/ }).first().click();
  await page.getByLabel("Venue").fill("Hall 9");
  await page.getByLabel("Seats", { exact: true }).first().fill("100");
  await page.getByRole("button", { name: "Add session", exact: true }).click();
  await expect(page.getByTestId("festival-sessions")).toContainText("Hall 9");
  await page.getByRole("button", { name: "Publish and invite every city" }).click();
  await expect(page.getByText("The invitations are queued")).toBeVisible();
  // Staff see the invitations of the city: queued, then sent (to the local mailbox).
  await expect.poll(async () => {
    await page.reload();
    const row = page.getByTestId("festival-sessions").locator("tbody tr").first();
    return Number(await row.getByTestId("queued").innerText()) + Number(await row.getByTestId("sent").innerText());
  }).toBeGreaterThan(0);

  // The fan opens the invitation from the mailbox and follows its link.
  const link = await linkFromMailbox(browser, fan.email, "a-good-password", /E2E 米粉节/);
  expect(link).toMatch(/\/festival\/\d+$/);
  await fan.page.goto(link);
  const session = fan.page.getByTestId("session").first();
  await expect(session).toContainText("Hangzhou");
  await expect(session.getByTestId("seats-left")).toContainText("100 of 100 seats left");
  const button = session.getByRole("button", { name: "Sign up" });
  if (Date.now() < opening.at.getTime() - 3000) {
    // Before the opening: a countdown, and the button waits for the second it opens.
    await expect(fan.page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(fan.page.getByTestId("countdown")).toContainText("Sign-up opens");
    await expect(button).toBeDisabled();
  }
  // At the opening second the button enables itself, without a reload.
  await expect(button).toBeEnabled({ timeout: 90_000 });
  await expect(fan.page.getByTestId("countdown")).toHaveText("Sign-up is open.");
  await button.click();

  // The festival ticket: on the page and by email.
  await expect(fan.page.getByTestId("festival-place")).toContainText("Your seat: Hangzhou");
  await expect(fan.page.getByTestId("ticket-code")).not.toBeEmpty();
  await expect(fan.page.locator(".festival-place .qr svg")).toBeVisible();
  await expect(fan.page.getByTestId("your-session")).toBeVisible();
  await expect.poll(() => mailSubjects(browser, fan.email)).toContain("Your ticket: E2E 米粉节");
});
