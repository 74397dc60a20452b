import { test, expect } from "@playwright/test";
import { logIn, staff } from "./helpers";

test("staff go from the ranking to an accepted plan and a draft meetup", async ({ page }) => {
  await logIn(page, staff.email, staff.password);
  await page.locator("header details.more > summary").click();
  await page.getByRole("link", { name: "Staff", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Where are the fans?" })).toBeVisible();
  await expect(page.locator("svg.map circle").first()).toBeVisible();

  // A low threshold so the small demo data has eligible cities.
  await page.getByLabel("Fans a city needs to host").fill("3");
  await page.getByRole("button", { name: "Save rules" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  await page.getByRole("link", { name: "Ranking" }).click();
  const firstRow = page.getByTestId("ranking").locator("tbody tr").first();
  await expect(firstRow.locator("td").first()).toHaveText("1");
  await expect(firstRow.locator("td.why")).toContainText("fans per 100k");
  const topCity = (await firstRow.locator("td").nth(1).innerText()).trim();

  await page.getByRole("link", { name: "Planner" }).click();
  const proposal = page.getByTestId("proposal").first();
  await expect(proposal.locator(".proposed-city")).toContainText(topCity);
  await proposal.getByRole("button", { name: /^Accept/ }).click();
  await expect(page.getByTestId("draft-created")).toContainText("Draft meetup #");
  const decisions = page.getByTestId("decisions");
  await expect(decisions).toContainText(topCity);
  await expect(decisions).toContainText("proposal");
  // The scheduled city is not proposed again.
  await expect(page.getByTestId("proposal").first().locator(".proposed-city")).not.toContainText(topCity);

  // Cancelling the draft asks for confirmation first: the box must be ticked.
  await page.getByTestId("draft-created").getByRole("link").click();
  await expect(page.getByTestId("meetup-status")).toContainText("status: draft");
  const cancel = page.getByRole("button", { name: "Cancel meetup and tell everyone" });
  await cancel.click();
  await expect(page.getByTestId("meetup-status")).toContainText("status: draft");
  await page.getByLabel(/Yes, cancel it/).check();
  await cancel.click();
  await expect(page.getByTestId("meetup-status")).toContainText("status: cancelled");
});

test("fans and visitors are kept out of the staff pages", async ({ page }) => {
  await page.goto("/staff/planner");
  await expect(page.getByText("Please log in first.")).toBeVisible();
  await expect(page.getByTestId("proposal")).toHaveCount(0);
});

test("staff tables use a desk's width: names and headers never break inside a word", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await logIn(page, staff.email, staff.password);
  const check = async (lang: string) => {
    for (const url of ["/staff/ranking", "/staff/planner", "/staff/clubs", "/staff/clubs?sort=province"]) {
      await page.goto(url);
      const main = await page.locator("main").boundingBox();
      expect(main?.width ?? 0, `${url} uses the screen`).toBeGreaterThan(1100);
      // One line each: a header or a city name that wrapped is taller than two lines' worth.
      const tall = await page.locator("table thead th, table tbody th").evaluateAll((cells) =>
        cells.filter((c) => c.getBoundingClientRect().height > 2.2 * (parseFloat(getComputedStyle(c).lineHeight) || 24) + 16).map((c) => c.textContent));
      expect(tall, `${url} (${lang}): cells broken over lines`).toEqual([]);
    }
    // The dashboard's bar chart: every city's label inside the chart, none cut off.
    await page.goto("/staff");
    const cut = await page.locator("svg.chart:not(.map)").first().evaluate((svg) => {
      const box = svg.getBoundingClientRect();
      return Array.from(svg.querySelectorAll("text")).filter((t) => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 0.5 || r.right > box.right + 0.5;
      }).map((t) => t.textContent);
    });
    expect(cut, `dashboard (${lang}): labels cut off`).toEqual([]);
  };
  await check("en");
  // The same in Chinese (the switch in the header), then back: later specs expect English.
  await page.locator('nav.lang-switch a[hreflang="zh-CN"]').click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await check("zh-CN");
  await page.locator('nav.lang-switch a[hreflang="en"]').click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});
