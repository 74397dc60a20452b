import { test, expect, Browser, Page } from "@playwright/test";
import { logIn, staff, verifiedFan } from "./helpers";

async function staffPage(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, staff.email, staff.password);
  return page;
}

test("a fan becomes an organizer, lists a gathering; staff approve; another fan joins; a report reaches the queue", async ({ browser }) => {
  test.setTimeout(120_000);
  const organizer = await verifiedFan(browser, "organizer", "chengdu", /成都 Chengdu/);
  const fan = await verifiedFan(browser, "joiner", "成都", /成都 Chengdu/);

  // The fan applies to organize.
  await organizer.page.locator("header details.more > summary").click();
  await organizer.page.getByRole("link", { name: "Organize", exact: true }).click();
  await organizer.page.getByLabel("Why do you want to organize gatherings?").fill("I run the Chengdu fan club chat.");
  await organizer.page.getByRole("button", { name: "Apply to organize" }).click();
  await expect(organizer.page.getByTestId("application-pending")).toBeVisible();

  // Staff approve the application.
  const desk = await staffPage(browser);
  await desk.goto("/staff/moderation");
  const application = desk.getByTestId("applications").locator("li").filter({ hasText: organizer.email });
  await application.getByRole("button", { name: "Approve" }).click();
  await expect(desk.getByTestId("applications").locator("li").filter({ hasText: organizer.email })).toHaveCount(0);

  // The organizer lists a gathering; it waits for review.
  await organizer.page.goto("/organize/new");
  await organizer.page.getByLabel("Title").fill("Hotpot and phones");
  await organizer.page.getByLabel("Description").fill("Bring **your phone**\n\n<script>alert(1)</script>");
  await organizer.page.getByLabel("Venue").fill("Hotpot house");
  await organizer.page.getByLabel("Starts").fill("2099-04-04 18:30");
  await organizer.page.getByLabel("Seats").fill("10");
  await organizer.page.getByRole("button", { name: "Submit for review" }).click();
  await expect(organizer.page.getByTestId("gathering-saved")).toBeVisible();

  // Staff approve it.
  await desk.goto("/staff/moderation");
  const pending = desk.getByTestId("pending-gatherings").locator("li").filter({ hasText: "Hotpot and phones" });
  await expect(pending.locator(".description strong")).toHaveText("your phone");
  // A reason field shares its row with its button: its own rule (flex: 1 1 12rem)
  // outranks the general input rule.
  const reason = pending.locator("form.moderate input[name=reason]").first();
  const [basis, rootSize] = await reason.evaluate((e) => [getComputedStyle(e).flexBasis, getComputedStyle(document.documentElement).fontSize]);
  expect(basis, "form.moderate's rule applies to its reason field").toBe(`${parseFloat(rootSize) * 12}px`);
  await pending.getByRole("button", { name: "Approve" }).click();
  await expect(desk.getByTestId("pending-gatherings").locator("li").filter({ hasText: "Hotpot and phones" })).toHaveCount(0);

  // Another fan finds it on their club's page, then on the city's events, and joins.
  await fan.page.getByRole("link", { name: "My club", exact: true }).click();
  await expect(fan.page.getByTestId("club-upcoming")).toContainText("Hotpot and phones");
  await fan.page.getByRole("link", { name: "All events and the calendar feed" }).click();
  const listing = fan.page.getByTestId("city-events");
  await expect(listing).toContainText("Gathering by organizer");
  await listing.getByRole("link", { name: "Hotpot and phones" }).click();
  await expect(fan.page.locator(".description strong")).toHaveText("your phone");
  await expect(fan.page.locator(".description")).toContainText("<script>alert(1)</script>");
  await fan.page.getByRole("button", { name: "Sign up" }).click();
  await expect(fan.page.getByRole("heading", { name: "Your seat is confirmed" })).toBeVisible();

  // The organizer sees them coming.
  await organizer.page.goto("/organize");
  await organizer.page.getByTestId("my-gatherings").getByRole("link", { name: "Hotpot and phones" }).click();
  await expect(organizer.page.getByTestId("gathering-attendees")).toContainText("joiner");

  // The fan reports it; the report reaches the staff queue.
  await fan.page.getByText("Report this gathering").click();
  await fan.page.getByLabel("What is wrong?").selectOption("wrong_information");
  await fan.page.getByLabel("Details").fill("The restaurant closed");
  await fan.page.getByRole("button", { name: "Send report" }).click();
  await expect(fan.page.getByTestId("reported")).toBeVisible();
  await desk.goto("/staff/moderation");
  await expect(desk.getByTestId("reports")).toContainText("The restaurant closed");
});
