import { test, expect } from "@playwright/test";
import { checkInAndCloseDoor, logIn, mailSubjects, publishMeetupSoon, staff, verifiedFan } from "./helpers";

test("a fan checks in, staff close the door, the badge appears on the fan's page and in the mailbox", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const fan = await verifiedFan(browser, "badge", "成都", /成都 Chengdu/);

  // Staff create and publish a meetup in Chengdu starting in a few minutes.
  await logIn(page, staff.email, staff.password);
  const meetupUrl = await publishMeetupSoon(page, "成都", /成都 Chengdu/, "徽章见面会", "10");

  // The fan signs up and shows the ticket at the door.
  await fan.page.goto(meetupUrl);
  await fan.page.getByRole("button", { name: "Sign up" }).click();
  const code = (await fan.page.getByTestId("ticket-code").innerText()).trim();
  await page.reload();
  // Then, after the meetup, staff close the door: the fan is recorded as attended.
  await checkInAndCloseDoor(page, code, "1 attended, 0 no-shows");

  // The fan finds the badge on their page, reached from "My meetups", and by email.
  await fan.page.goto("/my-meetups");
  await fan.page.getByTestId("my-fan-page").click();
  await expect(fan.page).toHaveURL(/\/fans\/\d+$/);
  await expect(fan.page.getByTestId("fan-badges")).toContainText("First meetup");
  await expect(fan.page.getByTestId("fan-attended")).toContainText("徽章见面会");
  await expect(fan.page.getByTestId("fan-points")).toContainText("points");
  await expect.poll(() => mailSubjects(browser, fan.email)).toContain("New badge: First meetup");

  // Private until the fan says otherwise: a visitor does not see it.
  const visitor = await browser.newPage();
  await visitor.goto(fan.page.url());
  await expect(visitor.getByTestId("fan-private")).toBeVisible();
  await visitor.close();
});
