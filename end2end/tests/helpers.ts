import { Browser, Page, expect } from "@playwright/test";

export const staff = {
  email: process.env.STAFF_EMAIL ?? "staff@tongcheng.local",
  password: process.env.STAFF_PASSWORD ?? "tongcheng-staff",
};

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Waits until the WASM has hydrated the page: the city picker drops the browser's
 * own suggestion list when it takes over. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("#city-input")).not.toHaveAttribute("list", /.*/);
}

export async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/$/);
}

/** Opens the local mailbox as its recipient (staff see one-time links hidden) in a
 * separate browser context and returns the first link of the newest message whose
 * subject matches. */
export async function linkFromMailbox(browser: Browser, to: string, password: string, subject: RegExp): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, to, password);
  await page.goto("/mailbox");
  await page.getByRole("link", { name: subject }).first().click();
  const link = page.locator("pre.mail-body a").first();
  await expect(link).toBeVisible();
  const href = await link.getAttribute("href");
  await context.close();
  if (!href) throw new Error("no link in the message");
  return href;
}

/** Opens an email-confirmation link and presses its button (opening alone changes nothing). */
export async function confirmEmail(page: Page, link: string) {
  await page.goto(link);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page.getByTestId("verified")).toBeVisible();
}

/** Registers a fan through the site, confirms the email from the staff mailbox and
 * logs in; returns the fan's page (in its own browser context). */
export async function verifiedFan(browser: Browser, prefix: string, cityQuery: string, cityLabel: RegExp): Promise<{ page: Page; email: string }> {
  const email = uniqueEmail(prefix);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/register");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Display name").fill(prefix);
  await page.getByLabel("Password").fill("a-good-password");
  await page.getByRole("combobox", { name: "Home city" }).fill(cityQuery);
  await page.getByRole("option", { name: cityLabel }).first().click();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("registered")).toBeVisible();
  await confirmEmail(page, await linkFromMailbox(browser, email, "a-good-password", /Confirm your email/));
  await logIn(page, email, "a-good-password");
  return { page, email };
}

/** The subjects of the messages to `to` in the mailbox, as staff see it. */
export async function mailSubjects(browser: Browser, to: string): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, staff.email, staff.password);
  await page.goto(`/mailbox?to=${encodeURIComponent(to)}`);
  const text = await page.locator("table.mail-table").innerText();
  await context.close();
  return text;
}

/** Staff (on the meetup's staff page) check a ticket in, then close the door; the
 * door's summary must say `closed` (e.g. "1 attended, 0 no-shows"). */
export async function checkInAndCloseDoor(page: Page, code: string, closed: string) {
  await page.getByLabel("Ticket code").fill(code);
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(page.getByTestId("checked-in")).toContainText("checked in");
  await page.reload();
  // Every door's shared count and list show the fan in.
  await expect(page.getByTestId("door-count")).toContainText(/^[1-9]\d* of \d+ in$/);
  await expect(page.getByTestId("door-recent")).toBeVisible();
  await page.getByLabel("Everyone who came is checked in").check();
  await page.getByRole("button", { name: "Close the door" }).click();
  await expect(page.getByTestId("door-closed")).toContainText(closed);
}

/** A start time a few minutes from now in Shenzhen's time zone (Asia/Shanghai), as the
 * form's date and time field shows it ("2026-12-06 19:00"): tickets check in only on their event's day, so a test that
 * checks in needs a meetup today. (Within minutes of local midnight: 23:59 today.) */
export function startingSoon(minutes = 3): string {
  const local = (t: Date) => {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(t);
    const get = (type: string) => parts.find((p) => p.type === type)!.value;
    return { date: `${get("year")}-${get("month")}-${get("day")}`, time: `${get("hour")}:${get("minute")}` };
  };
  const now = local(new Date());
  const soon = local(new Date(Date.now() + minutes * 60_000));
  return soon.date === now.date ? `${soon.date} ${soon.time}` : `${now.date} 23:59`;
}

/** Staff (logged in on `page`) create a meetup starting in a few minutes and publish it;
 * returns the fans' address of the meetup (the page stays on its staff page). With
 * `draw`, its seats are drawn among applicants, who apply until it starts. */
export async function publishMeetupSoon(page: Page, cityQuery: string, cityLabel: RegExp, title: string, seats: string, venue?: string, draw?: { question: string }, start = startingSoon()): Promise<string> {
  await page.goto("/staff/meetups/new");
  await waitForHydration(page);
  await page.getByRole("combobox", { name: "Host city" }).fill(cityQuery);
  await page.getByRole("option", { name: cityLabel }).click();
  await page.getByLabel("Title").fill(title);
  if (venue) await page.getByLabel("Venue").fill(venue);
  await page.getByLabel("Starts (host city's local time)").fill(start);
  await page.getByLabel("Seats").fill(seats);
  if (draw) {
    await page.getByLabel("Admission").selectOption("draw");
    await page.getByLabel("Applications close").fill(start);
    await page.getByLabel("Question for applicants").fill(draw.question);
  }
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/staff\/meetups\/\d+$/);
  const meetupUrl = page.url().replace("/staff/meetups/", "/meetups/");
  await page.getByRole("button", { name: "Publish and invite the city's fans" }).click();
  await expect(page.getByTestId("invited")).toContainText(/invitations queued/);
  return meetupUrl;
}

