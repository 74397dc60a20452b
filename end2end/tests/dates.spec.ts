// Date and time fields are text fields in the page's language (a native picker shows the
// browser's mm/dd/yyyy): their format is shown beside them, the server reads what people
// type, and what it cannot read it says beside the field, keeping what was typed. Here
// in Chinese on a 360 px phone, before any script has run.
import { test, expect } from "@playwright/test";
import { staff } from "./helpers";
import { BASE_URL, logIn, newPage, PHONE } from "./pages";

test.use({ javaScriptEnabled: false, locale: "zh-CN", viewport: PHONE });
// The switch's cookie: Chinese pages, whatever the staff account says.
test.beforeEach(async ({ context }) => {
  await context.addCookies([{ name: "tongcheng_lang", value: "zh-CN", url: BASE_URL }]);
});

// Logging in with a language chosen makes it the account's: give the shared staff
// account its English back for the specs that follow.
test.afterAll(async ({ browser }) => {
  const page = await newPage(browser, "en");
  await logIn(page, staff.email, staff.password);
  await page.context().close();
});

test("a meetup's start typed the Chinese way, after one the site cannot read", async ({ page }) => {
  await logIn(page, staff.email, staff.password);
  await page.goto("/staff/meetups/new");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  const starts = page.locator("input[name=starts]");
  await expect(starts).toHaveAttribute("type", "text");
  await expect(starts).toHaveAttribute("placeholder", "2026-12-06 19:00");
  await expect(page.locator("#field-starts-hint")).toContainText("年-月-日 时:分");
  await expect(page.locator("input[type=date], input[type=datetime-local], input[type=time]")).toHaveCount(0);

  await page.locator("#city-input").fill("深圳 Shenzhen · Guangdong");
  await page.locator("input[name=title]").fill("日期测试见面会");
  await page.locator("input[name=venue]").fill("科技园");
  await page.locator("input[name=capacity]").fill("20");
  // Month and day in the US order: refused beside the field, in Chinese, still there.
  await starts.fill("12/06/2099 7:00 PM");
  await page.locator('form[action*="save_meetup"] button[type=submit]').click();
  await expect(page.locator("#field-starts-error")).toContainText("无法识别这个日期和时间");
  await expect(page.locator("#field-starts-error")).toContainText("2026-12-06 19:00");
  await expect(starts).toHaveValue("12/06/2099 7:00 PM");
  await expect(page.locator("input[name=title]")).toHaveValue("日期测试见面会");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "no sideways scrolling at 360 px").toBeLessThanOrEqual(0);

  // Written as Chinese readers write dates, it is read.
  await starts.fill("2099年12月6日 19:00");
  await page.locator('form[action*="save_meetup"] button[type=submit]').click();
  await expect(page).toHaveURL(/\/staff\/meetups\/\d+$/);
  await expect(page.locator("input[name=starts]")).toHaveValue("2099-12-06 19:00");
  await expect(page.locator("main")).toContainText("2099年12月6日 周日 19:00");
});

test("a city's date filter reads Chinese dates and says which one it cannot", async ({ page }) => {
  await page.goto("/");
  const city = (await page.locator('main a[href^="/cities/"]').first().getAttribute("href")) ?? "";
  await page.goto(city);
  await expect(page.locator("input[type=date]")).toHaveCount(0);
  await page.locator("input[name=from]").fill("2099/12/6");
  await page.locator("input[name=to]").fill("6/12/2099");
  await page.locator("form.date-filter button[type=submit]").click();
  await expect(page.locator("#to-error")).toContainText("无法识别这个日期");
  await expect(page.locator("#from-error")).toBeEmpty();
  await expect(page.locator("input[name=to]")).toHaveValue("6/12/2099");
  await page.locator("input[name=to]").fill("2099年12月31日");
  await page.locator("form.date-filter button[type=submit]").click();
  await expect(page.locator("#to-error")).toBeEmpty();
  await expect(page.locator("[data-testid=city-events], [data-testid=city-empty]").first()).toBeVisible();
});
