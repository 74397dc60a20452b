import { test, expect, Browser } from "@playwright/test";
import { readFileSync } from "node:fs";
import { logIn, mailSubjects, publishMeetupSoon, staff, uniqueEmail, verifiedFan } from "./helpers";

/** The unsubscribe link at the foot of the newest message to `to` whose subject
 * matches, read in the recipient's own mailbox (links shown). */
async function unsubscribeLink(browser: Browser, to: string, password: string, subject: RegExp): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, to, password);
  await page.goto("/mailbox");
  await page.getByRole("link", { name: subject }).first().click();
  const href = await page.locator('pre.mail-body a[href*="/unsubscribe?token="]').first().getAttribute("href");
  await context.close();
  if (!href) throw new Error("no unsubscribe link in the message");
  return href;
}

test("a fan downloads their data, starts moving to a new address, and unsubscribes from a link without logging in", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const fan = await verifiedFan(browser, "owner", "深圳", /深圳 Shenzhen/);

  // Their data, as one JSON file from the account page.
  await fan.page.goto("/account");
  const [download] = await Promise.all([
    fan.page.waitForEvent("download"),
    fan.page.getByRole("link", { name: "Download my data (JSON)" }).click(),
  ]);
  const data = JSON.parse(readFileSync((await download.path())!, "utf8"));
  expect(data.account.email).toBe(fan.email);
  expect(data.account.home_city_en).toBe("Shenzhen");

  // A new address: a wrong password is refused beside its field, the typed address stays.
  const address = fan.page.locator("#email-address");
  const newEmail = uniqueEmail("moved");
  await address.getByLabel("New email address").fill(newEmail);
  await address.getByLabel("Your password").fill("not-my-password");
  await address.getByRole("button", { name: "Send a link to the new address" }).click();
  await expect(address.getByText("That password is not right.")).toBeVisible();
  await expect(address.getByLabel("New email address")).toHaveValue(newEmail);
  await address.getByLabel("Your password").fill("a-good-password");
  await address.getByRole("button", { name: "Send a link to the new address" }).click();
  await expect(address.getByRole("status")).toContainText(`We sent a link to ${newEmail}`);
  // The link goes to the new address, a warning to the current one; nothing changes yet.
  await expect.poll(() => mailSubjects(browser, newEmail)).toContain("Confirm your new email for Tongcheng");
  await expect.poll(() => mailSubjects(browser, fan.email)).toContain("Your Tongcheng email address is about to change");
  await fan.page.reload();
  await expect(fan.page.getByTestId("pending-email")).toContainText(newEmail);
  // Opening a link that is not ours changes nothing, and says so.
  await fan.page.goto("/confirm-email?token=not-a-real-token");
  await fan.page.getByRole("button", { name: "Use this address" }).click();
  await expect(fan.page.getByText("This link is invalid or has expired.")).toBeVisible();

  // Staff publish a meetup in the fan's city: the invitation carries an unsubscribe link.
  await logIn(page, staff.email, staff.password);
  await publishMeetupSoon(page, "深圳", /深圳 Shenzhen/, "退订测试见面会", "5");
  const link = await unsubscribeLink(browser, fan.email, "a-good-password", /You're invited: 退订测试见面会/);

  // Opened in a browser without JavaScript and without a session: the button works.
  const stranger = await browser.newContext({ javaScriptEnabled: false });
  const plain = await stranger.newPage();
  await plain.goto(link);
  await expect(plain.getByRole("heading", { name: "Stop invitations and news?" })).toBeVisible();
  await plain.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(plain.getByTestId("unsubscribed")).toBeVisible();
  await stranger.close();

  // The account shows it, and the next meetup in the city sends them no invitation.
  await fan.page.goto("/account");
  await expect(fan.page.getByLabel("Email me invitations to meetups in my city, draw results and badge news")).not.toBeChecked();
  // (Publishing queues every invitation before it answers.)
  await publishMeetupSoon(page, "深圳", /深圳 Shenzhen/, "退订之后见面会", "5");
  expect(await mailSubjects(browser, fan.email)).not.toContain("退订之后见面会");
});
