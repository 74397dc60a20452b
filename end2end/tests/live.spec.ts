// Live at the meetup (issue 27) in Chromium: staff prepare and open a quiz question on
// the run page; the room's screen (opened with its link, not logged in) and three fans'
// phones at 360 px in Chinese follow the stream; the fans answer, staff close it, the
// screen shows the results and the leaderboard; a lucky draw picks a checked-in fan and
// the screen shows its seed.
import { test, expect, request, Page } from "@playwright/test";
import { staff, publishMeetupSoon } from "./helpers";
import { BASE_URL, check, logIn, newPage } from "./pages";

/** Demo fans (seeded by scripts/e2e.sh) take a seat each and staff check them in. */
async function seatedAndIn(event: number, first: number, count: number): Promise<string[]> {
  const desk = await request.newContext({ baseURL: BASE_URL });
  expect((await desk.post("/api/login", { form: { email: staff.email, password: staff.password } })).ok()).toBeTruthy();
  const emails: string[] = [];
  for (let i = first; i < first + count; i++) {
    const email = `demo-fan-${i}@example.com`;
    const fan = await request.newContext({ baseURL: BASE_URL });
    expect((await fan.post("/api/login", { form: { email, password: "demo-password" } })).ok()).toBeTruthy();
    const place = await (await fan.post("/api/sign_up", { form: { id: String(event) } })).json();
    expect((await desk.post("/api/check_in", { form: { code: place.ticket_code, event: String(event) } })).ok()).toBeTruthy();
    emails.push(email);
    await fan.dispose();
  }
  await desk.dispose();
  return emails;
}

test("a quiz question and a lucky draw, on the room's screen and three phones", async ({ browser }) => {
  test.setTimeout(180_000);
  const run = await newPage(browser, "en", false);
  await logIn(run, staff.email, staff.password);
  const event = Number((await publishMeetupSoon(run, "Shenzhen", /Shenzhen/, "现场互动测试", "10")).match(/(\d+)$/)![1]);
  const fans = await seatedAndIn(event, 161, 3);

  // Staff prepare a quiz question and make the screen's link.
  await run.goto(`/events/${event}/live/run`);
  await run.getByLabel("Kind").selectOption("quiz");
  await run.getByLabel("Question").fill("小米的第一款手机叫什么？");
  await run.getByLabel("Options (one per line, 2 to 4)").fill("小米手机\n红米\nMIX");
  await run.getByLabel("Number of the right option (quiz only)").fill("1");
  await run.getByLabel("Time to answer (seconds, quiz only, 20 if empty)").fill("60");
  await run.getByRole("button", { name: "Save" }).click();
  await expect(run.getByTestId("live-items")).toContainText("小米的第一款手机叫什么？");
  await run.getByRole("button", { name: "Make the screen link" }).click();
  const link = (await run.getByTestId("screen-link").textContent())!.trim();

  // The screen: not logged in, from the link.
  const screen = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await screen.goto(link);
  // The key goes on into a cookie for this screen: the address bar, in the room's sight, shows none.
  await expect(screen).toHaveURL(new RegExp(`/events/${event}/live$`));
  await expect(screen.locator("#live-app")).toHaveAttribute("data-ready", "true");
  await expect(screen.getByTestId("live-checked-in")).toContainText("3");

  // Three phones in Chinese, each on the event's live page.
  const phones: Page[] = [];
  for (const email of fans) {
    const phone = await newPage(browser, "zh-CN", true);
    await logIn(phone, email, "demo-password");
    await phone.goto(`/events/${event}/play`);
    await expect(phone.locator("#live-app")).toHaveAttribute("data-ready", "true");
    phones.push(phone);
  }
  await check(phones[0], "zh-CN", `/events/${event}/play`, "live-phone-zh");
  await expect(phones[0].locator("#live-app")).toHaveAttribute("data-ready", "true");

  // Open: the question reaches the screen and the phones without a reload.
  await run.getByRole("button", { name: "Open" }).click();
  await expect(screen.getByTestId("live-current")).toContainText("小米的第一款手机叫什么？");
  await expect(screen.locator("#live-countdown")).toContainText(/\d+ s left/);
  for (const [n, phone] of phones.entries()) {
    await expect(phone.getByTestId("live-choices")).toBeVisible();
    await phone.getByTestId("live-choices").getByRole("button", { name: n === 2 ? "红米" : "小米手机" }).click();
    await expect(phone.getByTestId("live-answered")).toContainText("已作答");
  }
  await expect(screen.getByTestId("live-current")).toContainText("3 answered");

  // Closed: the screen shows the results, the right answer and the leaderboard.
  await run.getByRole("button", { name: "Close" }).click();
  await expect(screen.getByTestId("live-current")).toContainText("Right answer: 小米手机");
  await expect(screen.getByTestId("live-current")).toContainText("2 · 66%");
  await expect(screen.getByTestId("live-leaderboard").locator("li")).toHaveCount(2);
  await expect(phones[0].getByTestId("live-my-score")).toContainText(/你的得分：\d+ 分，第 [12] 名/);

  // The lucky draw: a checked-in fan, and the seed on the screen.
  await run.getByLabel("Without staff and club officers").check();
  await run.getByRole("button", { name: "Draw one" }).click();
  await expect(run.getByTestId("live-draws")).toContainText(/Round 1: .+ \(seed [0-9a-f]{16}, 3 in the draw\)/);
  const seed = (await run.getByTestId("live-draws").textContent())!.match(/seed ([0-9a-f]{16})/)![1];
  await expect(screen.getByTestId("live-seed")).toContainText(`seed ${seed} · 3 in the draw`);
  await expect(screen.locator(".live-winner")).toContainText("Congratulations");
  await expect(phones[1].getByTestId("live-seed")).toContainText(seed);
});
