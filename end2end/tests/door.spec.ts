// The door on a phone (issue 26), in Chromium at 360 px in Chinese: a fake camera plays
// a video of real tickets' QR codes (made here from the tickets the server gave); the
// door scans them, refuses a duplicate and another event's ticket; then two doors go
// offline, one scans 20 more with its camera and is reloaded while offline, the other
// lets in one of the same fans by typed code; back online, everything is sent once and
// the second door is told who was first. Scan-to-result times go to target/bench.
import { test, expect, chromium, request, Browser, Page, BrowserContext } from "@playwright/test";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as QRCode from "qrcode";
import { staff, publishMeetupSoon } from "./helpers";
import { BASE_URL, PHONE, check, logIn, newPage } from "./pages";

const DOOR_STAFF = { email: "door-staff@tongcheng.local", password: "door-staff-password" };

/** The door's staff account, in Chinese (created once; again changes nothing). */
function doorStaff() {
  const made = spawnSync(path.join(__dirname, "..", "..", "target", "debug", "tongcheng"), ["create-staff", "--email", DOOR_STAFF.email, "--name", "门口小王", "--password", DOOR_STAFF.password, "--city", "深圳", "--lang", "zh-CN"], { encoding: "utf8", env: process.env });
  expect(made.status, made.stderr).toBe(0);
}
const [WIDTH, HEIGHT, FPS] = [480, 360, 10];

/** A YUV4MPEG2 video (what Chromium's fake camera plays, looping): each text as a QR
 * code for `seconds`, `null` for a blank card. */
function writeVideo(file: string, texts: (string | null)[], seconds: number) {
  const out = fs.openSync(file, "w");
  fs.writeSync(out, `YUV4MPEG2 W${WIDTH} H${HEIGHT} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128);
  for (const text of texts) {
    const luma = Buffer.alloc(WIDTH * HEIGHT, 235);
    if (text) {
      const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
      const size = qr.modules.size;
      const scale = Math.floor(HEIGHT / (size + 8));
      const [left, top] = [Math.floor((WIDTH - size * scale) / 2), Math.floor((HEIGHT - size * scale) / 2)];
      for (let y = 0; y < size * scale; y++) {
        for (let x = 0; x < size * scale; x++) {
          if (qr.modules.get(Math.floor(y / scale), Math.floor(x / scale))) luma[(top + y) * WIDTH + left + x] = 16;
        }
      }
    }
    for (let frame = 0; frame < seconds * FPS; frame++) {
      fs.writeSync(out, "FRAME\n");
      fs.writeSync(out, luma);
      fs.writeSync(out, chroma);
    }
  }
  fs.closeSync(out);
}

const checkInLink = (event: number, code: string) => `${BASE_URL}/staff/check-in?event=${event}&code=${code}`;

/** `count` demo fans (seeded by scripts/e2e.sh) take a seat each; their ticket codes. */
async function seatedFans(event: number, first: number, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = first; i < first + count; i++) {
    const fan = await request.newContext({ baseURL: BASE_URL });
    expect((await fan.post("/api/login", { form: { email: `demo-fan-${i}@example.com`, password: "demo-password" } })).ok()).toBeTruthy();
    const place = await (await fan.post("/api/sign_up", { form: { id: String(event) } })).json();
    expect(place.ticket_code, `demo fan ${i} has a seat`).toBeTruthy();
    codes.push(place.ticket_code);
    await fan.dispose();
  }
  return codes;
}

async function cameraBrowser(video: string): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`, "--autoplay-policy=no-user-gesture-required"],
  });
}

/** A phone in Chinese, logged in as the door's staff, on the door page with its list. */
async function openDoor(browser: Browser, event: number, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: "zh-CN", viewport: PHONE });
  await context.addCookies([{ name: "tongcheng_lang", value: "zh-CN", url: BASE_URL }]);
  await context.grantPermissions(["camera"], { origin: BASE_URL });
  const page = await context.newPage();
  // The door's own warnings (a failed sync, no camera) help when this test fails.
  page.on("console", (message) => ["warning", "error"].includes(message.type()) && console.log(`door ${name}: ${message.text()}`));
  await logIn(page, DOOR_STAFF.email, DOOR_STAFF.password);
  await page.goto(`/doors/${event}`);
  await expect(page.locator("#door-app")).toHaveAttribute("data-ready", "true");
  await page.getByLabel("门的名称").fill(name);
  await page.getByLabel("门的名称").blur();
  // Kept for offline use: the worker controls the page and holds its copy.
  await expect.poll(() => page.evaluate(async () => !!navigator.serviceWorker.controller && !!(await caches.match(location.href)))).toBe(true);
  return { context, page };
}

const log = (page: Page, outcome: string) => page.locator(`[data-testid="door-log"] li[data-outcome="${outcome}"]`);

test("a door on a phone scans tickets with the camera, works offline, and two doors agree", async ({ browser }) => {
  test.setTimeout(300_000);
  doorStaff();
  const staffPage = await newPage(browser, "en", false);
  await logIn(staffPage, staff.email, staff.password);
  const meetup = Number((await publishMeetupSoon(staffPage, "Shenzhen", /Shenzhen/, "扫码入场测试", "60")).match(/(\d+)$/)![1]);
  const other = Number((await publishMeetupSoon(staffPage, "Shenzhen", /Shenzhen/, "隔壁的活动", "5")).match(/(\d+)$/)![1]);
  const codes = await seatedFans(meetup, 101, 41);
  const [otherCode] = await seatedFans(other, 142, 1);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "door-"));

  // Online: 20 tickets, one of them again, and another event's ticket.
  const online = path.join(work, "online.y4m");
  writeVideo(online, [...codes.slice(0, 20).map((c) => checkInLink(meetup, c)), checkInLink(meetup, codes[3]), checkInLink(other, otherCode), null, null, null], 1);
  const first = await cameraBrowser(online);
  const door = await openDoor(first, meetup, "A");
  // At 360 px in Chinese: accessible, nothing wider than the phone, no English.
  await check(door.page, "zh-CN", `/doors/${meetup}`, "door-phone-zh");
  await expect(door.page.locator("#door-app")).toHaveAttribute("data-ready", "true");
  await door.page.getByRole("button", { name: "打开相机扫码" }).click();
  await expect(door.page.getByText("对准门票二维码即可")).toBeVisible();
  await expect(log(door.page, "checked_in")).toHaveCount(20, { timeout: 90_000 });
  await expect(log(door.page, "other_event").first()).toContainText("这张票属于另一场活动：隔壁的活动。", { timeout: 30_000 });
  await expect(log(door.page, "duplicate").first()).toContainText(/已经入场：\d\d:\d\d，A 门。/);
  await door.page.getByRole("button", { name: "关闭相机" }).click();
  await expect(door.page.getByTestId("door-count")).toHaveText("已入场 20 / 41 人");
  const onlineTimings = await door.page.evaluate(() => (window as any).doorTimings.filter((t: any) => !t.offline).map((t: any) => t.ms));
  await first.close();

  // Offline: door A scans 20 more with its camera, door B lets one of them in by code.
  const offline = path.join(work, "offline.y4m");
  writeVideo(offline, [...codes.slice(20, 40).map((c) => checkInLink(meetup, c)), null, null, null, null], 1);
  const second = await cameraBrowser(offline);
  const doorA = await openDoor(second, meetup, "A");
  const doorB = await openDoor(second, meetup, "B");
  await doorA.context.setOffline(true);
  await doorB.context.setOffline(true);
  await doorA.page.getByRole("button", { name: "打开相机扫码" }).click();
  await expect(log(doorA.page, "checked_in")).toHaveCount(20, { timeout: 90_000 });
  await doorA.page.getByRole("button", { name: "关闭相机" }).click();
  await expect(doorA.page.getByTestId("door-result")).toContainText("离线判断");
  const offlineTimings = await doorA.page.evaluate(() => (window as any).doorTimings.filter((t: any) => t.offline).map((t: any) => t.ms));
  await expect(doorA.page.getByTestId("door-status")).toHaveText("离线，20 条待发送");
  // The phone's browser reloads with no network: the page, its list and its queue stay.
  await doorA.page.reload();
  await expect(doorA.page.locator("#door-app")).toHaveAttribute("data-ready", "true");
  await expect(doorA.page.getByTestId("door-status")).toHaveText("离线，20 条待发送");
  await expect(doorA.page.getByTestId("door-count")).toHaveText("已入场 40 / 41 人");
  await doorB.page.getByLabel("票码").fill(codes[25]);
  await doorB.page.getByRole("button", { name: "签到" }).click();
  await expect(doorB.page.getByTestId("door-result")).toContainText("欢迎");
  await expect(doorB.page.getByTestId("door-status")).toHaveText("离线，1 条待发送");

  // Back online: door A first, then door B, who is told door A was first.
  await doorA.context.setOffline(false);
  await expect(doorA.page.getByTestId("door-status")).toHaveText("在线 · 本机有 41 张门票的清单");
  await expect(doorA.page.getByTestId("door-count")).toHaveText("已入场 40 / 41 人");
  await doorB.context.setOffline(false);
  await expect(doorB.page.getByTestId("door-refused")).toContainText(/已经入场：\d\d:\d\d，A 门。/);
  await expect(doorB.page.getByTestId("door-refused").locator("li")).toHaveCount(1);
  await expect(doorB.page.getByTestId("door-status")).toHaveText("在线 · 本机有 41 张门票的清单");
  await second.close();

  // The staff meetup page agrees: 40 of 41 in, every ticket once.
  await staffPage.goto(`/staff/meetups/${meetup}`);
  await expect(staffPage.getByTestId("door-count")).toHaveText("40 of 41 in");
  fs.rmSync(work, { recursive: true, force: true });
  const bench = path.join(__dirname, "..", "..", "target", "bench");
  fs.mkdirSync(bench, { recursive: true });
  fs.writeFileSync(path.join(bench, "door-scan-timings.json"), JSON.stringify({ online: onlineTimings, offline: offlineTimings }));
});

test("a fan's ticket opens full screen and shows without a network", async ({ browser }) => {
  const staffPage = await newPage(browser, "en", false);
  await logIn(staffPage, staff.email, staff.password);
  const meetup = Number((await publishMeetupSoon(staffPage, "Shenzhen", /Shenzhen/, "离线门票测试", "5", undefined, undefined, "2099-06-01 19:00")).match(/(\d+)$/)![1]);
  const context = await browser.newContext({ locale: "zh-CN", viewport: PHONE });
  await context.addCookies([{ name: "tongcheng_lang", value: "zh-CN", url: BASE_URL }]);
  const page = await context.newPage();
  await logIn(page, "demo-fan-143@example.com", "demo-password");
  await page.goto(`/meetups/${meetup}`);
  await page.getByRole("button", { name: "报名" }).click();
  const code = (await page.getByTestId("ticket-code").textContent())!.trim();
  await page.getByRole("link", { name: "全屏出示门票" }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${meetup}$`));
  await expect(page.locator("html")).toHaveAttribute("data-kept-offline", "");
  await check(page, "zh-CN", `/tickets/${meetup}`, "ticket-zh");
  const side = await page.getByTestId("ticket-qr").locator("svg").evaluate((svg) => svg.getBoundingClientRect().width);
  expect(side, "the QR code fills the phone's width").toBeGreaterThan(300);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId("ticket-code")).toHaveText(code);
  await expect(page.getByTestId("ticket-qr").locator("svg")).toBeVisible();
  // Logging out on a shared phone leaves no ticket behind (Clear-Site-Data).
  await context.setOffline(false);
  await page.goto("/");
  await page.locator("details.more summary").click();
  await page.getByRole("button", { name: "退出" }).click();
  await expect(page.getByRole("link", { name: "登录" }).first()).toBeVisible();
  await expect.poll(() => page.evaluate(async () => (await caches.keys()).length)).toBe(0);
  await context.close();
});

test("without a camera the door says so and the typed code takes over", async ({ browser }) => {
  doorStaff();
  const staffPage = await newPage(browser, "en", false);
  await logIn(staffPage, staff.email, staff.password);
  const meetup = Number((await publishMeetupSoon(staffPage, "Shenzhen", /Shenzhen/, "没有相机的门", "5", undefined, undefined, "2099-06-02 19:00")).match(/(\d+)$/)![1]);
  // This browser has no camera at all (no fake device).
  const { page } = await openDoor(browser, meetup, "A");
  await page.getByRole("button", { name: "打开相机扫码" }).click();
  await expect(page.getByText("无法使用相机（未允许，或没有相机）：请在下方输入票码。")).toBeVisible();
  await expect(page.getByLabel("票码")).toBeFocused();
  // A code that is no ticket is refused beside the result, not with an error page.
  await page.getByLabel("票码").fill("2222-3333-4444");
  await page.getByRole("button", { name: "签到" }).click();
  await expect(page.getByTestId("door-result")).toContainText("没有与此票码对应的门票。");
});
