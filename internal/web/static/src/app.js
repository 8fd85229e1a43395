// Rapport's own script: htmx, plus the few lines that the pages need.
import htmx from "htmx.org";

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
