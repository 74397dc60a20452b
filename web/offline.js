// Keeps the page it is on, and the files it loaded, for use without a network: the
// service worker (/offline-sw.js) answers from this copy when the network is gone.
// Loaded only by the door page (through door.js) and a fan's ticket page.
export const CACHE = "tongcheng-offline-v1";

const sameSiteFile = (url) => {
  const u = new URL(url, location.href);
  return u.origin === location.origin && (u.pathname.startsWith("/pkg/") || u.pathname.startsWith("/door/") || u.pathname === "/favicon.svg");
};

/** Registers the worker for this page's folder and stores the page with its files and
 * `extra` (URLs loaded later, such as the QR reader). True when the page is kept. */
export async function keepOffline(extra = []) {
  if (!("serviceWorker" in navigator) || !("caches" in window)) return false;
  try {
    const scope = location.pathname.replace(/[^/]*$/, "");
    await navigator.serviceWorker.register("/offline-sw.js", { scope });
    const cache = await caches.open(CACHE);
    const page = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    // Only a page that rendered (a door the user may open, a ticket they hold).
    if (page.ok && page.headers.get("x-keep-offline") === "1") await cache.put(location.href, page);
    const files = performance.getEntriesByType("resource").map((e) => e.name).concat(extra).filter(sameSiteFile);
    await cache.addAll([...new Set(files)]);
    return true;
  } catch (error) {
    console.warn("could not keep this page for offline use", error);
    return false;
  }
}

// The ticket page: keep it, and keep the screen on while the ticket is shown.
if (document.querySelector('[data-testid="ticket-qr"]')) {
  keepOffline().then((kept) => document.documentElement.toggleAttribute("data-kept-offline", kept));
  navigator.wakeLock?.request("screen").catch(() => {});
}
