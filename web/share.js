// The share box (components::share::ShareBox). Without this script the box is a
// <details>: it opens on the poster (long-press to save in WeChat) and the link.
// Where the browser can share (navigator.share: phones), the button opens the system's
// share sheet with the poster and the link; cancelling it does nothing, and any other
// failure opens the box as before. The copy button copies the link.
for (const box of document.querySelectorAll("details[data-share]")) {
  const summary = box.querySelector("summary");
  const link = box.querySelector("input[data-share-link]");
  const poster = box.getAttribute("data-poster");
  if (navigator.share) {
    summary.addEventListener("click", async (event) => {
      if (box.open) return;
      event.preventDefault();
      const shared = { title: box.getAttribute("data-title") || document.title, url: link.value };
      try {
        if (poster && navigator.canShare) {
          const blob = await (await fetch(poster, { credentials: "same-origin" })).blob();
          const file = new File([blob], "poster.png", { type: "image/png" });
          if (navigator.canShare({ files: [file] })) shared.files = [file];
        }
        await navigator.share(shared);
      } catch (error) {
        if (error && error.name === "AbortError") return;
        box.open = true;
      }
    });
  }
  const copy = box.querySelector("button[data-copy]");
  if (copy) {
    copy.hidden = false;
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(link.value);
      } catch {
        link.select();
        document.execCommand("copy");
      }
      copy.textContent = copy.getAttribute("data-copied");
    });
  }
  box.setAttribute("data-ready", "true");
}
