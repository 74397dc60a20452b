import { test, expect } from "@playwright/test";
import { confirmEmail, linkFromMailbox, logIn, staff, uniqueEmail, waitForHydration } from "./helpers";

test("a visitor registers, confirms the email from the mailbox, logs in and edits the profile", async ({ page, browser }) => {
  const email = uniqueEmail("visitor");
  await page.goto("/register");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Display name").fill("小明");
  await page.getByLabel("Password").fill("a-good-password");

  // The hydrated city picker suggests cities as you type, in pinyin or Chinese.
  const city = page.getByRole("combobox", { name: "Home city" });
  await city.fill("shen");
  const suggestion = page.getByRole("option", { name: /深圳 Shenzhen/ });
  await expect(suggestion).toBeVisible();
  await suggestion.click();
  await expect(city).toHaveValue("深圳 Shenzhen · Guangdong");

  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("registered")).toContainText(email);

  const link = await linkFromMailbox(browser, email, "a-good-password", /Confirm your email/);
  expect(link).toContain("/verify?token=");
  await confirmEmail(page, link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Email confirmed");

  await logIn(page, email, "a-good-password");
  await expect(page.getByTestId("home-city")).toContainText("深圳 Shenzhen");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("小明");

  await page.locator("header details.more > summary").click();
  await page.getByRole("link", { name: "小明" }).click();
  await expect(page).toHaveURL(/\/account$/);
  const name = page.getByLabel("Display name");
  await name.fill("小明同学");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect(page.locator("header a.who"), "the header (in More) has the new name").toHaveText("小明同学");
  await page.reload();
  await expect(page.getByLabel("Display name")).toHaveValue("小明同学");
});

test("mistakes get a message beside the field, and the typed values stay", async ({ page }) => {
  await page.goto("/register");
  await waitForHydration(page);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Display name").fill("Li");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("combobox", { name: "Home city" }).fill("Atlantis");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-email-error")).toHaveText(/email address like/);
  await expect(page.locator("#field-password-error")).toHaveText(/at least 8/);
  await expect(page.locator("#field-city-error")).toHaveText(/don't know that city/);
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Display name")).toHaveValue("Li");
});

test("a submit button says it is busy while its form is on its way, and cannot be pressed twice", async ({ page }) => {
  // The log-in post is held until the button has been looked at.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/login", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto("/login");
  await page.getByLabel("Email").fill(staff.email);
  await page.getByLabel("Password").fill(staff.password);
  await expect(page.locator("main form button[type=submit]")).toHaveText("Log in");
  // Pressed and looked at from the page itself (Playwright's locators would wait for the
  // held navigation): the page's pending script runs on the next task after the submit,
  // and this look is queued behind it.
  const pressed = await page.evaluate(
    () =>
      new Promise<{ disabled: boolean; busy: string | null; text: string }>((resolve) => {
        const button = document.querySelector<HTMLButtonElement>("main form button[type=submit]")!;
        button.click();
        setTimeout(() => resolve({ disabled: button.disabled, busy: button.getAttribute("aria-busy"), text: button.textContent ?? "" }));
      }),
  );
  expect(pressed).toEqual({ disabled: true, busy: "true", text: "Logging in…" });
  release();
  await expect(page).toHaveURL(/\/$/);
});

test("the keyboard alone logs in, and always shows where it is", async ({ page }) => {
  await page.goto("/login");
  const focused = () =>
    page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      const style = getComputedStyle(element);
      return { name: element.getAttribute("name"), ring: `${style.outlineStyle} ${style.outlineWidth}` };
    });
  await page.keyboard.press("Tab");
  expect((await focused()).ring, "the first link shows a focus ring").toBe("solid 3px");
  for (let i = 0; i < 20 && (await focused()).name !== "email"; i++) await page.keyboard.press("Tab");
  expect(await focused()).toEqual({ name: "email", ring: "solid 3px" });
  await page.keyboard.type(staff.email);
  await page.keyboard.press("Tab");
  expect(await focused()).toEqual({ name: "password", ring: "solid 3px" });
  await page.keyboard.type(staff.password);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/$/);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("pages are complete from the server and forms still work", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Meet the fans of your city");
    await page.goto("/register");
    await expect(page.getByRole("button", { name: "Create account" })).toBeVisible();
    // The picker falls back to the browser's own suggestion list.
    await expect(page.locator("#city-input")).toHaveAttribute("list", "city-datalist");
    await expect(page.locator("#city-datalist option[value='深圳 Shenzhen · Guangdong']")).toHaveCount(1);
    // A plain form post comes back with the messages beside the fields.
    await page.getByLabel("Email").fill("nope");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator("#field-email-error")).toHaveText(/email address like/);
    await expect(page.locator("#field-city-error")).toHaveText(/Choose your home city/);
  });

  test("registering before any script has run says the link is on its way", async ({ page }) => {
    const email = uniqueEmail("no-script");
    await page.goto("/register");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Display name").fill("No script");
    await page.getByLabel("Password").fill("a-good-password");
    await page.locator("#city-input").fill("深圳 Shenzhen · Guangdong");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByTestId("registered")).toContainText(email);
    await expect(page.locator("main form")).toHaveCount(0);
  });
});
