// What every page must be, in either language: checked with axe-core (no serious or
// critical violations); on a phone (a viewport 400 px wide or less) without sideways
// scrolling and with touch targets of 44 px or more; in Chinese without English UI text
// from the catalogue (`strayEnglish`). Used by languages.spec.ts.
import { expect, Browser, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import * as fs from "fs";
import * as path from "path";

export type Lang = "zh-CN" | "en";

export const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

/** The English catalogue's UI texts that a Chinese page must not show: those that differ
 * from their own key's Chinese text and are no Chinese text anywhere (so brand names,
 * Latin city names, examples such as 2026-12-06 19:00, emails and codes, which read the
 * same in both, never count), and that hold a Latin word. `phrases`: three words or
 * more, looked for anywhere in the page's text; `words`: one or two words, matched as a
 * whole text (a text node, an element's text, a placeholder or label); `patterns`: texts
 * with variables ("{{ count }} going"), matched as a whole with anything in the variables. */
function englishOnlyTexts(): { phrases: string[]; words: string[]; patterns: string[] } {
  const dir = path.join(__dirname, "..", "..", "locales");
  const flatten = (value: unknown, key: string, out: Map<string, string>) => {
    if (typeof value === "string") out.set(key, value);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) flatten(v, `${key}.${k}`, out);
  };
  const texts = (lang: string) => {
    const out = new Map<string, string>();
    for (const file of fs.readdirSync(path.join(dir, lang))) flatten(JSON.parse(fs.readFileSync(path.join(dir, lang, file), "utf8")), file, out);
    return out;
  };
  const [en, zh] = [texts("en"), texts("zh-CN")];
  const chinese = new Set([...zh.values()].map(normalize));
  const english = new Set<string>();
  for (const [key, text] of en) if (text !== zh.get(key) && !chinese.has(normalize(text)) && /[A-Za-z]{2}/.test(text.replace(/\{\{[^}]*\}\}/g, ""))) english.add(normalize(text));
  const plain = [...english].filter((t) => !t.includes("{{"));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return {
    phrases: plain.filter((t) => t.split(" ").length >= 3),
    words: plain.filter((t) => t.split(" ").length < 3),
    patterns: [...english].filter((t) => t.includes("{{")).map((t) => `^${t.split(/\{\{[^}]*\}\}/).map(escape).join(".+")}$`),
  };
}

/** Spaces collapsed, and no colon at the end ("Seats:" is the label "Seats"). */
function normalize(text: string): string {
  return text.replace(/\s+/g, " ").trim().replace(/\s*[:：]$/, "");
}
const ENGLISH = englishOnlyTexts();

/** The English UI texts on a Chinese page, each with where it was seen. Mail listed or
 * shown is in its recipient's language, not the page's, and `lang="en"` marks English
 * on purpose (the brand's Latin name): neither is UI text. */
export async function strayEnglish(page: Page): Promise<string[]> {
  return page.evaluate(({ phrases, words, patterns }) => {
    const skip = ".mail-table tbody, .mail-body, [lang=en], script, style, noscript, template";
    const normalize = (text: string) => text.replace(/\s+/g, " ").trim().replace(/\s*[:：]$/, "");
    const whole = new Set(words);
    const shapes = patterns.map((p) => new RegExp(p));
    const found = new Set<string>();
    // A UI text is short: longer texts hold several (a table), which the phrases cover.
    const look = (raw: string | null | undefined, where: string) => {
      const text = normalize(raw ?? "");
      if (text && text.length <= 160 && (whole.has(text) || shapes.some((s) => s.test(text)))) found.add(`"${text}" (${where})`);
    };
    let all = document.body.innerText;
    for (const mail of document.querySelectorAll<HTMLElement>(".mail-table tbody, .mail-body")) all = all.replace(mail.innerText, "");
    for (const phrase of phrases) if (all.includes(phrase)) found.add(`"${phrase}"`);
    const nodes = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = nodes.nextNode(); node; node = nodes.nextNode()) {
      if (node.parentElement && !node.parentElement.closest(skip)) look(node.textContent, node.parentElement.tagName.toLowerCase());
    }
    for (const e of document.body.querySelectorAll<HTMLElement>("*")) {
      if (e.closest(skip)) continue;
      const tag = e.tagName.toLowerCase();
      if (e.children.length > 0 && e.children.length < 4 && !e.querySelector(skip)) look(e.innerText, tag);
      for (const name of ["placeholder", "aria-label", "title", "alt", "data-pending-label"]) look(e.getAttribute(name), `${tag} ${name}`);
      if (tag === "input" && ["submit", "button"].includes((e as HTMLInputElement).type)) look((e as HTMLInputElement).value, "input value");
    }
    look(document.title.split(" — ")[0], "title");
    return [...found];
  }, ENGLISH);
}

export const PHONE = { width: 360, height: 800 };
const DESKTOP = { width: 1280, height: 900 };

/** A page in its own browser context, with the language switch's cookie set; Chinese
 * pages are on a phone unless `phone` says otherwise. */
export async function newPage(browser: Browser, lang: Lang, phone = lang === "zh-CN"): Promise<Page> {
  const context = await browser.newContext({ locale: lang, viewport: phone ? PHONE : DESKTOP });
  // The switch's cookie: the page language, whatever the account says.
  await context.addCookies([{ name: "tongcheng_lang", value: lang, url: BASE_URL }]);
  return context.newPage();
}

/** Logs in by the form's field names, whatever the page's language. */
export async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.locator("input[name=email]").fill(email);
  await page.locator("input[name=password]").fill(password);
  await page.locator("main form button[type=submit]").click();
  await expect(page).toHaveURL(/\/$/);
}

export async function check(page: Page, lang: Lang, url: string, shot?: string) {
  await page.goto(url);
  await expect(page.locator("html")).toHaveAttribute("lang", lang);
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`), `${lang} ${url}`).toEqual([]);
  if ((page.viewportSize()?.width ?? DESKTOP.width) <= 400) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${lang} ${url} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
    // Touch targets: controls at least 44 px tall (checkboxes are hit through their label).
    const small = await page.$$eval("header a, header button, main button, main select, main input:not([type=hidden]):not([type=checkbox]):not([type=radio])", (els) =>
      els.filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.height < 44; }).map((e) => e.outerHTML.slice(0, 80)));
    expect(small, `${lang} ${url}: touch targets under 44 px`).toEqual([]);
  }
  if (lang === "zh-CN") expect(await strayEnglish(page), `English UI text on ${url}`).toEqual([]);
  if (shot) {
    fs.mkdirSync(path.join(__dirname, "..", "..", "docs", "screenshots"), { recursive: true });
    await page.screenshot({ path: path.join(__dirname, "..", "..", "docs", "screenshots", `${shot}.png`), fullPage: false });
  }
}

/** Registers on `page` (its context keeps what the visitor arrived with), logs in and
 * confirms the email from the mailbox, by field names. */
export async function registerAndConfirm(page: Page, email: string, name: string, city: string) {
  await page.goto("/register");
  await expect(page.locator("#city-input")).not.toHaveAttribute("list", /.*/); // the picker is live
  await page.locator("input[name=email]").fill(email);
  await page.locator("input[name=display_name]").fill(name);
  await page.locator("input[name=password]").fill("a-good-password");
  await page.locator("input[name=city]").fill(city);
  await page.getByRole("option").filter({ hasText: city }).first().click();
  await page.locator("main form button[type=submit]").click();
  await expect(page.getByTestId("registered")).toBeVisible();
  await logIn(page, email, "a-good-password");
  await page.goto("/mailbox");
  await page.locator('main a[href^="/mailbox/"]').first().click();
  const link = await page.locator("pre.mail-body a").first().getAttribute("href");
  await page.goto(link ?? "/");
  await page.locator("main form button[type=submit]").click();
  await expect(page.getByTestId("verified")).toBeVisible();
}

/** A fan who registered, confirmed the email and logged in with pages in `lang` (so the
 * account and its mail are in `lang` too), by field names; on a phone. */
export async function fanIn(browser: Browser, lang: Lang, prefix: string, city: string): Promise<{ page: Page; email: string }> {
  const page = await newPage(browser, lang, true);
  const email = `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await registerAndConfirm(page, email, prefix, city);
  return { page, email };
}
