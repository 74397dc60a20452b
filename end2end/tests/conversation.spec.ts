import { test, expect } from "@playwright/test";
import { checkInAndCloseDoor, logIn, publishMeetupSoon, staff, verifiedFan } from "./helpers";

test("fans ask and up-vote, staff mark it answered; after the door closes the attendee rates and staff see the average", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const asker = await verifiedFan(browser, "asker", "杭州", /杭州 Hangzhou/);
  const voter = await verifiedFan(browser, "voter", "杭州", /杭州 Hangzhou/);

  // Staff publish a meetup in Hangzhou starting in a few minutes.
  await logIn(page, staff.email, staff.password);
  const meetupUrl = await publishMeetupSoon(page, "杭州", /杭州 Hangzhou/, "问答见面会", "10");
  const staffUrl = page.url();

  // A fan with a seat asks the team a question.
  await asker.page.goto(meetupUrl);
  await asker.page.getByRole("button", { name: "Sign up" }).click();
  const code = (await asker.page.getByTestId("ticket-code").innerText()).trim();
  await asker.page.getByLabel("Your question").fill("Will you show the new prototype?");
  await asker.page.getByRole("button", { name: "Ask the team" }).click();
  await expect(asker.page.getByTestId("question")).toContainText("Will you show the new prototype?");
  await expect(asker.page.getByTestId("question-status")).toContainText("Your question");

  // Another fan with a seat up-votes it (once: the button goes away).
  await voter.page.goto(meetupUrl);
  await voter.page.getByRole("button", { name: "Sign up" }).click();
  await expect(voter.page.getByTestId("ticket-code")).toBeVisible();
  await voter.page.getByRole("button", { name: "Up-vote" }).click();
  await expect(voter.page.getByTestId("question-status")).toContainText("Votes: 1");
  await expect(voter.page.getByRole("button", { name: "Up-vote" })).toHaveCount(0);

  // Staff see it ranked on the meetup's page and mark it answered.
  await page.goto(staffUrl);
  await expect(page.getByTestId("staff-question")).toContainText("Votes: 1");
  await page.getByRole("button", { name: "Mark answered" }).click();
  await expect(page.getByTestId("staff-question-status")).toContainText("Answered");
  await asker.page.reload();
  await expect(asker.page.getByTestId("question-status")).toContainText("Answered");

  // The asker checks in; the voter does not come. Staff close the door.
  await page.goto(staffUrl);
  await checkInAndCloseDoor(page, code, "1 attended, 1 no-shows");

  // The attendee rates the meetup, once.
  await asker.page.goto(meetupUrl);
  await asker.page.getByLabel("4 – very good").check();
  await asker.page.getByLabel("Comment (optional)").fill("Great answers, thank you");
  await asker.page.getByRole("button", { name: "Send feedback" }).click();
  await expect(asker.page.getByTestId("feedback-given")).toContainText("You rated this meetup 4 / 5.");
  await expect(asker.page.getByRole("button", { name: "Send feedback" })).toHaveCount(0);

  // The no-show is told only attendees rate.
  await voter.page.goto(meetupUrl);
  await expect(voter.page.getByTestId("feedback-closed")).toBeVisible();

  // Staff see the average on the meetup's page and in the table per city.
  await page.goto(staffUrl);
  await expect(page.getByTestId("feedback-average")).toContainText("Average 4.0 / 5 from 1 ratings");
  await expect(page.getByTestId("feedback-comments")).toContainText("Great answers, thank you");
  await page.goto("/staff/feedback");
  await expect(page.getByTestId("feedback-by-city")).toContainText("Hangzhou");
});
