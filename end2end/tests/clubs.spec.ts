// A city's club, in Chinese on a phone: staff appoint an officer; the officer approves a
// fan's application to organize and publishes their gathering; a member finds it on the
// club page and signs up; the officer posts news, which members read on the club page
// and in the weekly digest.
// Every step selects by field names and test ids, never by English text.
import { test, expect } from "@playwright/test";
import { spawnSync } from "child_process";
import * as path from "path";
import { fanIn, logIn, newPage } from "./pages";
import { mailSubjects, staff } from "./helpers";

test("a club in zh-CN at 360 px: officer appointed, organizer approved, gathering published, a member signs up, news posted", async ({ browser }) => {
  test.setTimeout(180_000);
  const officer = await fanIn(browser, "zh-CN", "officer", "杭州");
  const organizer = await fanIn(browser, "zh-CN", "organizer", "杭州");
  const member = await fanIn(browser, "zh-CN", "member", "杭州");
  const club = (await officer.page.locator('header a[href^="/clubs/"]').getAttribute("href")) ?? "";
  expect(club).toMatch(/^\/clubs\/\d+$/);

  // Staff appoint the officer for a year, with a reason.
  const desk = await newPage(browser, "zh-CN", true);
  await logIn(desk, staff.email, staff.password);
  await desk.goto(club);
  await desk.locator("details.appoint > summary").click();
  const appoint = desk.locator("details.appoint form");
  await appoint.locator("input[name=email]").fill(officer.email);
  await appoint.locator("select[name=role]").selectOption("president");
  const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  await appoint.locator("input[name=until]").fill(nextYear);
  await appoint.locator("input[name=reason]").fill("组织本地粉丝群三年");
  await appoint.locator("button[type=submit]").click();
  await expect(desk.getByTestId("club-officers")).toContainText("officer");

  // A fan applies to organize; the officer approves it at the club's desk.
  await organizer.page.goto("/organize");
  await organizer.page.locator("textarea[name=reason]").fill("我在杭州组织米粉聚会两年了。");
  await organizer.page.locator("main form button[type=submit]").click();
  await expect(organizer.page.getByTestId("application-pending")).toBeVisible();
  await officer.page.goto(club);
  await expect(officer.page.getByTestId("you-are-officer")).toBeVisible();
  await officer.page.goto(`${club}/desk`);
  const application = officer.page.getByTestId("desk-applications").locator("li").filter({ hasText: "organizer" });
  await application.locator("form:has(input[name=action][value=approve]) button[type=submit]").click();
  await expect(officer.page.getByTestId("desk-applications")).toHaveCount(0);

  // The new organizer lists a gathering; the officer publishes it.
  await organizer.page.goto("/organize/new");
  await organizer.page.locator("input[name=title]").fill("西湖边的米粉茶话会");
  await organizer.page.locator("textarea[name=description]").fill("带上你的**手机**来聊聊");
  await organizer.page.locator("input[name=venue]").fill("湖滨茶馆");
  await organizer.page.locator("input[name=starts]").fill("2099-04-04 14:30");
  await organizer.page.locator("input[name=capacity]").fill("12");
  await organizer.page.locator("main form button[type=submit]").last().click();
  await expect(organizer.page.getByTestId("gathering-saved")).toBeVisible();
  await officer.page.goto(`${club}/desk`);
  const gathering = officer.page.getByTestId("desk-gatherings").locator("li").filter({ hasText: "西湖边的米粉茶话会" });
  await gathering.locator("form:has(input[name=action][value=approve]) button[type=submit]").click();
  await expect(officer.page.getByTestId("desk-gatherings")).toHaveCount(0);

  // A member finds it on their club's page and signs up.
  await member.page.locator('header a[href^="/clubs/"]').click();
  await expect(member.page.getByTestId("club-home")).toBeVisible();
  await member.page.getByTestId("club-upcoming").getByRole("link", { name: "西湖边的米粉茶话会" }).click();
  await member.page.getByRole("button", { name: "报名" }).click();
  await expect(member.page.getByTestId("ticket-code")).toBeVisible();

  // The officer posts news; members read it on the club page.
  await officer.page.goto(club);
  await officer.page.locator("details.post-news > summary").click();
  await officer.page.locator("details.post-news input[name=title]").fill("本周六茶话会");
  await officer.page.locator("details.post-news textarea[name=body]").fill("名额有限，**先到先得**");
  await officer.page.locator("details.post-news button[type=submit]").click();
  await expect(officer.page.getByTestId("news-posted")).toBeVisible();
  await member.page.goto(club);
  await expect(member.page.getByTestId("club-news")).toContainText("本周六茶话会");
  await expect(member.page.getByTestId("club-news").locator("strong")).toHaveText("先到先得");
  // The weekly digest, queued now instead of on Friday evening (the site's own timer may
  // have queued it already: a fan gets it once either way), reaches the member.
  const run = spawnSync(path.join(__dirname, "..", "..", "target", "debug", "tongcheng"), ["send-digest"], { encoding: "utf8", env: process.env });
  expect(run.status, run.stderr).toBe(0);
  await expect.poll(() => mailSubjects(browser, member.email), { timeout: 30_000 }).toContain("同城会本周会讯");
  // Every decision is in the club's log, on the desk.
  await officer.page.goto(`${club}/desk`);
  await expect(officer.page.getByTestId("moderation-log")).toContainText("officer");

  // Staff logged in on a Chinese page: their account now reads Chinese. The specs after
  // this one read staff pages in English, so staff log in once more in English.
  const english = await newPage(browser, "en", true);
  await logIn(english, staff.email, staff.password);
});
