// Rapport's own script: htmx, plus the few lines that the pages need.
import htmx from "htmx.org";
// One module per part of the app, each in its own file.
import "./board.js";
import "./records.js";
import "./header.js";
import "./lists.js";
import "./settings.js";
import "./forms.js";
import "./people.js";
import "./builder.js";

window.htmx = htmx;
document.documentElement.classList.add("js");

// Every htmx request carries the session's CSRF token, which the layout
// puts in a meta tag; plain forms carry it in a hidden field instead.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.content;
  }
});

// A picker marked data-autosubmit (the language) applies at once, so its
// button is only for browsers without this script.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// A password-reset link carries its token in the fragment, which browsers
// never send to a server (nor to its logs): copy it into the form, and
// take it out of the address bar and the history.
const resetToken = document.querySelector("input[data-reset-token]");
if (resetToken && location.hash.startsWith("#token=")) {
  resetToken.value = decodeURIComponent(location.hash.slice("#token=".length));
  history.replaceState(null, "", location.pathname);
}
