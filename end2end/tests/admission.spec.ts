import { test, expect } from "@playwright/test";
import { checkInAndCloseDoor, logIn, mailSubjects, publishMeetupSoon, staff, verifiedFan } from "./helpers";

test("a fan invited to apply applies and asks, staff draw, the ticket arrives, the fan checks in, the door closes and the fan rates the meetup", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const fan = await verifiedFan(browser, "applicant", "深圳", /深圳 Shenzhen/);

  // Staff publish a meetup starting in a few minutes whose seats are drawn among applicants.
  await logIn(page, staff.email, staff.password);
  const meetupUrl = await publishMeetupSoon(page, "深圳", /深圳 Shenzhen/, "抽签见面会", "5", undefined, { question: "What would you ask the engineers?" });
  const staffUrl = page.url();

  // The invitation asks the city's fans to apply.
  await expect.poll(() => mailSubjects(browser, fan.email)).toContain("Apply for a seat: 抽签见面会");

  // The fan reads the rules before applying, then applies with an answer.
  await fan.page.goto(meetupUrl);
  await expect(fan.page.getByTestId("draw-weights")).toContainText("200% weight");
  await expect(fan.page.getByTestId("no-show-rule")).toContainText("never counts as missing");
  await fan.page.getByLabel(/Staff ask:/).fill("How do you test the phone?");
  await fan.page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(fan.page.getByTestId("applied")).toBeVisible();

  // An applicant may ask the team a question before the draw.
  await fan.page.reload();
  await fan.page.getByLabel("Your question").fill("Will you show the new prototype?");
  await fan.page.getByRole("button", { name: "Ask the team" }).click();
  await expect(fan.page.getByTestId("question")).toContainText("Will you show the new prototype?");

  // Staff see the applicant with their record and answer, and draw now.
  await page.goto(staffUrl);
  await expect(page.getByTestId("applicants")).toContainText("How do you test the phone?");
  await expect(page.getByTestId("applicants")).toContainText("0 attended · 0 no-shows");
  await page.getByLabel("Yes, close applications and draw now").check();
  await page.getByRole("button", { name: "Draw now" }).click();
  await expect(page.getByTestId("drawn")).toContainText("Drawn: 1 selected, 0 on the waiting list");
  await page.reload();
  await expect(page.getByTestId("rerun")).toContainText("gives the same list");

  // The selected fan's ticket is in the mailbox and on the meetup page.
  await expect.poll(() => mailSubjects(browser, fan.email)).toContain("Your ticket: 抽签见面会");
  await fan.page.goto(meetupUrl);
  const code = (await fan.page.getByTestId("ticket-code").innerText()).trim();

  // Check-in at the door, then the door closes: one attended.
  await page.goto(staffUrl);
  await checkInAndCloseDoor(page, code, "1 attended, 0 no-shows");

  // The fan who came rates the meetup, once.
  await fan.page.goto(meetupUrl);
  await fan.page.getByLabel("5 – excellent").check();
  await fan.page.getByLabel("Comment (optional)").fill("Fair seats, great answers");
  await fan.page.getByRole("button", { name: "Send feedback" }).click();
  await expect(fan.page.getByTestId("feedback-given")).toContainText("You rated this meetup 5 / 5.");
  await page.goto(staffUrl);
  await expect(page.getByTestId("feedback-average")).toContainText("Average 5.0 / 5 from 1 ratings");
});
