import { test, expect } from "@playwright/test";
import { logIn, mailSubjects, publishMeetupSoon, staff, verifiedFan } from "./helpers";

test("staff publish a meetup; fans sign up, fill it, wait, move up; staff check in", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const first = await verifiedFan(browser, "first", "深圳", /深圳 Shenzhen/);
  const second = await verifiedFan(browser, "second", "shenzhen", /深圳 Shenzhen/);

  // Staff create and publish a one-seat meetup in Shenzhen, starting in a few minutes
  // (tickets check in on their event's day).
  await logIn(page, staff.email, staff.password);
  const meetupUrl = await publishMeetupSoon(page, "深圳", /深圳 Shenzhen/, "E2E 见面会", "1", "Hall 1");
  // The invitations go out while staff watch: the counts follow without a reload.
  await expect(page.getByTestId("invitations")).toContainText(/0 queued, [1-9]\d* sent, 0 failed/);
  await expect.poll(() => mailSubjects(browser, first.email)).toContain("You're invited: E2E 见面会");

  // The first fan takes the only seat and gets the ticket by email.
  await first.page.goto(meetupUrl);
  await first.page.getByRole("button", { name: "Sign up" }).click();
  await expect(first.page.getByRole("heading", { name: "Your seat is confirmed" })).toBeVisible();
  await expect(first.page.locator(".qr svg")).toBeVisible();
  await expect.poll(() => mailSubjects(browser, first.email)).toContain("Your ticket: E2E 见面会");

  // The meetup is full: the second fan joins the waiting list.
  await second.page.goto(meetupUrl);
  await expect(second.page.getByTestId("seats")).toContainText("Full");
  await second.page.getByRole("button", { name: "Join the waiting list" }).click();
  await expect(second.page.getByTestId("waitlisted")).toHaveText("You are number 1 on the waiting list");

  // The first fan cancels; the second moves up at once and is emailed.
  await first.page.getByLabel("Yes, give up my seat").check();
  await first.page.getByRole("button", { name: "Cancel my seat" }).click();
  // Its seat went straight to the fan waiting, so the meetup is full again.
  await expect(first.page.getByRole("button", { name: "Join the waiting list" })).toBeVisible();
  await second.page.reload();
  await expect(second.page.getByRole("heading", { name: "Your seat is confirmed" })).toBeVisible();
  const code = (await second.page.getByTestId("ticket-code").innerText()).trim();
  await expect.poll(() => mailSubjects(browser, second.email)).toContain("You're in: E2E 见面会");

  // Staff check the second fan in with the ticket code.
  await page.reload();
  await page.getByLabel("Ticket code").fill(code);
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(page.getByTestId("checked-in")).toContainText("checked in");
  await expect(page.getByTestId("confirmed")).toContainText("second");
});
