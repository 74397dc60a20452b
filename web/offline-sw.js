// Tongcheng's service worker for the pages that must open without a network: the door
// on a phone (/doors/…) and a fan's ticket (/tickets/…). Network first, so an online
// page is always fresh; when the network is gone, the copy kept last time. Only pages
// that ask to be kept (header `x-keep-offline`, a door or a ticket that rendered) and
// this site's files are kept; server functions (/api/) are never touched.
const CACHE = "tongcheng-offline-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

/** What this worker looks after; every other request goes to the network untouched. */
const MINE = ["/doors/", "/tickets/", "/door/", "/pkg/"];

function worthKeeping(request, response) {
  if (!response.ok || response.type !== "basic") return false;
  if (request.mode === "navigate") return response.headers.get("x-keep-offline") === "1";
  const path = new URL(request.url).pathname;
  return path.startsWith("/pkg/") || path.startsWith("/door/") || path === "/favicon.svg";
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!MINE.some((path) => url.pathname.startsWith(path)) && url.pathname !== "/favicon.svg") return;
  event.respondWith(
    (async () => {
      try {
        const response = await fetch(request);
        // The site's files are kept only beside a kept page: once logging out has
        // cleared the cache (Clear-Site-Data), the next page's files, fetched while this
        // worker still runs, must not make it again.
        const page = request.mode === "navigate";
        const keep = worthKeeping(request, response);
        if (keep && (page || (await caches.has(CACHE)))) {
          await (await caches.open(CACHE)).put(request, response.clone());
        } else if (!keep && page && (await caches.has(CACHE))) {
          // No longer this user's ticket or door (cancelled, signed out, role gone):
          // the copy kept earlier goes too.
          await (await caches.open(CACHE)).delete(request, { ignoreVary: true });
        }
        return response;
      } catch (offline) {
        const kept = await caches.match(request, { ignoreVary: true });
        if (kept) return kept;
        throw offline;
      }
    })(),
  );
});
