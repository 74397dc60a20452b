//! Pending state for every submit button without shipping WASM: a few lines of script
//! in the page (allowed by the page's CSP nonce). When a form is sent, its button is
//! disabled (so a double click cannot send it twice) and shows its `data-pending-label`;
//! coming back to the page through the browser's history enables it again.

/// Runs after the browser has built the form data (so the button's own value is sent).
pub const SCRIPT: &str = r#"addEventListener("submit",function(e){var b=e.submitter;if(!b||e.defaultPrevented)return;setTimeout(function(){b.disabled=true;b.setAttribute("aria-busy","true");if(b.dataset.pendingLabel)b.textContent=b.dataset.pendingLabel},0)});addEventListener("pageshow",function(){document.querySelectorAll("button[aria-busy]").forEach(function(b){b.disabled=false;b.removeAttribute("aria-busy")})});"#;
