// Sharing and growth (issue 28) in Chromium, in Chinese on a 360 px phone: a fan opens a
// meetup and presses 分享 (no system share sheet in this browser: the box opens with the
// poster to long-press and the link carrying the fan's code); a new visitor arrives by
// that link, registers and confirms the email; the first fan's page then says 已带来 1
// 位米粉, and the badge for it is there.
import { test, expect } from "@playwright/test";
import { staff, publishMeetupSoon } from "./helpers";
import { check, fanIn, logIn, newPage, registerAndConfirm } from "./pages";
import * as fs from "fs";
import * as path from "path";

test("a fan shares a meetup's poster and link; the friend who registers through it counts as brought", async ({ page, browser }) => {
  test.setTimeout(180_000);
  await logIn(page, staff.email, staff.password);
  const meetupUrl = await publishMeetupSoon(page, "杭州", /杭州 Hangzhou/, "杭州米粉分享见面会", "30", "西湖文化广场");

  const sharer = await fanIn(browser, "zh-CN", "分享达人", "杭州");
  await sharer.page.goto(meetupUrl);
  const box = sharer.page.getByTestId("share-box");
  await expect(box).toHaveAttribute("data-ready", "true");
  await box.locator("summary").click();
  // The poster, drawn on the server, is shown to long-press; the link carries the code.
  const poster = box.getByTestId("poster");
  await expect(poster).toBeVisible();
  await expect.poll(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(750);
  const link = await box.getByTestId("share-link").inputValue();
  expect(link).toMatch(/\/meetups\/\d+\?ref=[a-z2-9]{10}$/);
  await expect(box).toContainText("长按海报保存");
  const overflow = await sharer.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "the open share box fits a 360 px phone").toBeLessThanOrEqual(0);
  fs.mkdirSync(path.join(__dirname, "..", "..", "docs", "screenshots"), { recursive: true });
  await box.scrollIntoViewIfNeeded();
  await sharer.page.screenshot({ path: path.join(__dirname, "..", "..", "docs", "screenshots", "share-zh-phone.png") });
  // The copy button (shown once the script runs) copies the link.
  await box.getByRole("button", { name: "复制链接" }).click();
  await expect(box.getByRole("button", { name: "已复制" })).toBeVisible();

  // A friend opens the link on their phone, registers and confirms.
  const friend = await newPage(browser, "zh-CN");
  await friend.goto(link.replace(/^https?:\/\/[^/]+/, ""));
  await expect(friend.locator("h1")).toContainText("杭州米粉分享见面会");
  await registerAndConfirm(friend, `friend-${Date.now()}@example.com`, "新朋友", "杭州");

  // The sharer's page: one fan brought, and the badge for it.
  await sharer.page.goto("/my-meetups");
  await sharer.page.getByTestId("my-fan-page").click();
  await expect(sharer.page.getByTestId("fan-brought")).toHaveText("已带来 1 位米粉");
  await expect(sharer.page.getByTestId("fan-badges")).toContainText("引荐新人");
  await check(sharer.page, "zh-CN", sharer.page.url().replace(/^https?:\/\/[^/]+/, ""));
});

test("the city page says how many more fans it needs, with the invite action beside it", async ({ browser }) => {
  const visitor = await newPage(browser, "zh-CN");
  await visitor.goto("/where-next?city=拉萨");
  await expect(visitor.getByTestId("city-goal")).toContainText(/拉萨 (还差 [\d,]+ 位确认了邮箱的米粉|已达到)/);
  const invite = visitor.getByTestId("share-box");
  await expect(invite.locator("summary")).toHaveText("邀请朋友加入");
  await invite.locator("summary").click();
  await expect(invite.getByTestId("share-link")).toHaveValue(/\/where-next\?city=\d+$/);
  await check(visitor, "zh-CN", "/where-next?city=拉萨");
});
